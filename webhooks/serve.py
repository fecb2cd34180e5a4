"""`chatorders serve`: the whole product on one machine."""

from __future__ import annotations

import click

from orders_core.db import Database
from orders_core.demo import rotate_demo_key, seed_demo
from orders_core.migrate import upgrade
from orders_core.settings import Settings
from webhooks.app import create_app


def run(settings: Settings, *, host: str, port: int) -> None:
    """Migrate, seed the demo tenant into an empty database, print how to reach it, serve."""
    database = Database.from_url(settings.database_url)
    upgrade(database.engine)
    with database.write() as session:
        key = seed_demo(session) or rotate_demo_key(session)
    app = create_app(settings, db=database)
    base = f"http://{host}:{port}"
    click.echo(f"chatorders on {base}")
    click.echo(f"  database:      {database.engine.url.render_as_string(hide_password=True)}")
    if key is not None:
        click.echo(f"  demo API key:  {key.secret}")
    click.echo(f"  Twilio webhook: {settings.public_base_url}/webhooks/twilio/messages")
    app.run(host=host, port=port, threaded=True)
