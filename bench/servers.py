"""Databases and servers for the benchmark: created fresh, started as an operator would, stopped.

The product runs exactly as the README says: `chatorders migrate`, then
`gunicorn -w N -b 127.0.0.1:PORT 'webhooks.app:create_app()'` (or `chatorders serve` on
SQLite), configured only through its environment. The floor runs beside it the same way.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import floor
from scenarios import tenant_spec
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from orders_core.db import Database
from orders_core.demo import demo_menu
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import create_api_key, create_tenant

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PUBLIC_URL = "https://bench.chatorders.example"
TOKEN = "bench-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
# Settings that would change what is measured if they leaked in from the caller's shell.
SCRUBBED = (
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_SKIP_SIGNATURE_CHECK",
    "SIMULATOR_ENABLED",
    "SECRET_KEY",
    "REDIS_URL",
    "RATE_LIMIT_PER_MINUTE",
)


@dataclass
class BenchDatabase:
    """A database for one run: its URL, and how to clean up after it."""

    url: str
    backend: str
    created: bool = False
    directory: tempfile.TemporaryDirectory[str] | None = None

    def empty(self) -> None:
        """PostgreSQL: a new, empty public schema."""
        engine = create_engine(floor.normalize_url(self.url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()

    def drop(self) -> None:
        """Remove what this run made: the PostgreSQL database it created (one that was there
        before is emptied instead), or the SQLite file's directory."""
        if self.backend == "postgresql" and self.created:
            url = make_url(floor.normalize_url(self.url))
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.dispose()
        elif self.backend == "postgresql":
            self.empty()
        if self.directory is not None:
            self.directory.cleanup()

    def scalar(self, sql: str) -> Any:
        """One value from the database (a count for the report)."""
        engine = create_engine(floor.normalize_url(self.url))
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()


def postgres_database(server_url: str, name: str) -> BenchDatabase:
    """An empty PostgreSQL database `name` on the server of `server_url`: created (and
    dropped by `drop()`), or emptied when it is already there."""
    url = make_url(floor.normalize_url(server_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        created = known.first() is None
        if created:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    database = BenchDatabase(target, "postgresql", created)
    if not created:
        database.empty()
    return database


def postgres_version(server_url: str) -> str | None:
    """The server's version string, or None when it cannot be reached."""
    url = make_url(floor.normalize_url(server_url)).set(database="postgres")
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def sqlite_database(label: str) -> BenchDatabase:
    """A new SQLite file in a temporary directory."""
    directory = tempfile.TemporaryDirectory(prefix=f"bench-{label}-")
    return BenchDatabase(f"sqlite:///{directory.name}/chatorders.db", "sqlite", directory=directory)


def product_env(database: BenchDatabase, *, twilio: bool, redis_url: str | None) -> dict[str, str]:
    """The environment the product runs with: bench credentials, the rate limit out of the way.

    With `twilio` the Twilio pair is set (production); without it (`chatorders serve`) the
    same token signs inbound webhooks through SECRET_KEY and messages stay local.
    """
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(
        DATABASE_URL=database.url,
        PUBLIC_BASE_URL=PUBLIC_URL,
        SECRET_KEY=TOKEN,
        RATE_LIMIT_PER_MINUTE="10000000",
    )
    if twilio:
        env.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=TOKEN)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def migrate(env: dict[str, str]) -> None:
    """`chatorders migrate` on the environment's DATABASE_URL."""
    subprocess.run([str(BIN / "chatorders"), "migrate"], env=env, check=True, capture_output=True)
    floor.create_tables(env["DATABASE_URL"])


def seed(database: BenchDatabase, count: int) -> list[dict[str, Any]]:
    """`count` businesses, each with a WhatsApp number, a staff member, the demo menu and a
    live API key, made with the product's own services; their scenario specs."""
    menu = demo_menu()
    # API orders name products alone: leave out those that need a choice (Moi Moi's type).
    products = [
        str(item["id"])
        for item in menu
        if not any(group.get("min", 0) > 0 for group in item.get("option_groups") or [])
    ]
    db = Database.from_url(database.url)
    tenants = []
    try:
        for i in range(1, count + 1):
            number = f"+1415555{i:04d}"
            with db.write() as session:
                tenant = create_tenant(
                    session, name=f"Bench Kitchen {i}", currency="NGN", timezone="Africa/Lagos",
                    whatsapp_number=number, staff=[f"+2348000{i:06d}"],
                )  # fmt: skip
                import_menu(session, tenant.id, menu)
                key = create_api_key(session, tenant.id, name="bench")
            tenants.append(tenant_spec(number, key.secret, products, []))
    finally:
        db.dispose()
    return tenants


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A server process on 127.0.0.1, its stderr kept in a log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        """Where it answers."""
        return f"http://127.0.0.1:{self.port}"

    def log_size(self) -> int:
        """How far the log has grown (to read what a round added)."""
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        """What the server wrote to its log after `offset`."""
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Return once GET /healthz answers 200 (it queues behind any backlog); raise if the
        process dies or it takes longer than `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_since(0)[-3000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} not ready after {timeout:.0f} s:\n{self.log_since(0)[-3000:]}"
        )

    def stop(self) -> None:
        """SIGTERM (graceful for gunicorn and `serve`), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> Server:
    """Start `command` (with {port} filled in) on a free port; its output goes to a log."""
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(name, port, process, log)


def start_all(
    commands: dict[str, list[str]], env: dict[str, str], log_dir: Path, prefix: str
) -> dict[str, Server]:
    """Start every command at once and wait until all answer; none left running on failure."""
    started = {
        name: launch(f"{prefix}-{name}", command, env, log_dir)
        for name, command in commands.items()
    }
    try:
        for server in started.values():
            server.wait_ready()
    except RuntimeError:
        for server in started.values():
            server.stop()
        raise
    return started


def gunicorn(app: str, workers: int, *, pythonpath: Path | None = None) -> list[str]:
    """The README's production command for `app` ('module:create_app()'), on 127.0.0.1."""
    extra = ["--pythonpath", str(pythonpath)] if pythonpath else []
    return [str(BIN / "gunicorn"), "-w", str(workers), "-b", "127.0.0.1:{port}", *extra, app]


def product_gunicorn(workers: int) -> list[str]:
    """The product under gunicorn, as the README runs it in production."""
    return gunicorn("webhooks.app:create_app()", workers)


def floor_gunicorn(workers: int) -> list[str]:
    """The floor under the same gunicorn settings."""
    return gunicorn("floor:create_app()", workers, pythonpath=BENCH_DIR)


def product_serve() -> list[str]:
    """`chatorders serve`: the embedded default (werkzeug, threads, the scheduler)."""
    return [str(BIN / "chatorders"), "serve", "--host", "127.0.0.1", "--port", "{port}"]


def floor_threaded() -> list[str]:
    """The floor on werkzeug's threaded server, as `serve` runs the product."""
    return [sys.executable, str(BENCH_DIR / "floor.py"), "--port", "{port}"]
