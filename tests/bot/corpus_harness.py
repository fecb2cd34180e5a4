"""Runs the conversation corpus (tests/bot/corpus) through the real, signed Twilio webhook.

Each market gets its own business with its menu; every single message comes from a new
customer, every conversation from another. The cart is read back from the database, the
order from the orders table. `python -m tests.bot.corpus_harness [market]` prints the
report and every miss, for tuning by phenomenon.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask.testing import FlaskClient
from sqlalchemy import select

from orders_core.db import Database
from orders_core.migrate import upgrade
from orders_core.models import Order
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import create_tenant
from orders_core.settings import Settings
from tests.bot.chat_cart import open_cart, seed_cart
from tests.webhooks.twilio_helpers import WhatsApp
from webhooks.app import create_app

CORPUS = Path(__file__).parent / "corpus"
MARKETS = ("lagos", "mumbai", "nairobi", "accra")
TOKEN = "corpus-auth-token"
BASE_URL = "https://chatorders.example.com"
# A reply with no bold command or example and no question leaves the customer stuck.
_NEXT_STEP_MARKS = ("*", "?")
_CLARIFIED = ('"', "?", "sold out", "⚠️", "(sold out)")


@dataclass
class Outcome:
    """One case (a single or a conversation) and how it went."""

    market: str
    name: str
    tags: tuple[str, ...]
    ok: bool
    problems: list[str] = field(default_factory=list)
    silent_drop: bool = False
    dead_end: bool = False


def load(market: str) -> dict[str, Any]:
    """The cases of one market."""
    return yaml.safe_load((CORPUS / f"{market}.yaml").read_text(encoding="utf-8"))


def menus() -> dict[str, Any]:
    """The four businesses and their menus."""
    return yaml.safe_load((CORPUS / "menus.yaml").read_text(encoding="utf-8"))


def available_markets() -> tuple[str, ...]:
    """The markets whose case file exists."""
    return tuple(m for m in MARKETS if (CORPUS / f"{m}.yaml").exists())


class Shop:
    """One market's business behind the real app, and customers writing to it."""

    def __init__(self, market: str, database: Database, client: FlaskClient, index: int) -> None:
        spec = menus()[market]
        self.market = market
        self.number = f"+1415555{index:04d}"
        self.client = client
        self.database = database
        self.phones = 0
        self.index = index
        with database.write() as session:
            tenant = create_tenant(
                session,
                name=spec["name"],
                currency=spec["currency"],
                timezone=spec["timezone"],
                whatsapp_number=self.number,
                staff=[f"+1415666{index:04d}"],
            )
            tenant.settings = {
                **tenant.settings,
                "delivery_fee": int(spec["delivery_fee"] * 100),
                "business_kind": spec["kind"],
            }
            rows = [
                {
                    "name": p["name"],
                    "unit_price": int(p["price"] * 100),
                    "aliases": p.get("aliases") or [],
                    "available": not p.get("sold_out", False),
                }
                for p in spec["products"]
            ]
            products = import_menu(session, tenant.id, rows)
            self.tenant_id = tenant.id
            self.codes = {p.name: p.code for p in products}
            self.names = {p.code: p.name for p in products}

    def customer(self) -> WhatsApp:
        """A customer who never wrote before."""
        self.phones += 1
        phone = f"+2547{self.index:02d}{self.phones:06d}"
        return WhatsApp(
            self.client,
            token=TOKEN,
            base_url=BASE_URL,
            to=self.number,
            from_=phone,
            profile_name=None,
        )

    def seed_cart(self, phone: str, given: dict[str, int]) -> None:
        """Put `given` in the customer's cart, as if they had sent it before."""
        with self.database.write() as session:
            last = self.codes[list(given)[-1]] if given else None
            seed_cart(
                session, self.tenant_id, phone, {self.codes[n]: q for n, q in given.items()},
                data={"last_item": last} if last else {},
            )  # fmt: skip

    def cart(self, phone: str) -> tuple[dict[str, int], dict[str, str]]:
        """The customer's cart (name -> quantity) and line notes (name -> note)."""
        quantities: Counter[str] = Counter()
        notes: dict[str, str] = {}
        for line in open_cart(self.database, phone):
            name = self.names.get(line["code"], line["code"])
            quantities[name] += line["quantity"]
            if line.get("note"):
                notes[name] = f"{notes.get(name, '')} {line['note']}".strip()
        return dict(quantities), notes

    def orders(self, phone: str) -> list[dict[str, int]]:
        """The customer's orders, oldest first, as name -> quantity."""
        with self.database.read() as session:
            rows = session.scalars(
                select(Order)
                .where(Order.tenant_id == self.tenant_id, Order.customer_phone == phone)
                .order_by(Order.number)
            ).all()
            result = []
            for order in rows:
                items: Counter[str] = Counter()
                for item in order.items:
                    items[item.name] += item.quantity
                result.append(dict(items))
            return result


def _check_turn(
    shop: Shop, phone: str, turn: dict[str, Any], reply: str, before: int, problems: list[str]
) -> tuple[bool, bool]:
    """Check one turn's expectations; returns (silent drop, dead end)."""
    cart, notes = shop.cart(phone)
    silent = dead = False
    if "cart" in turn:
        expected = {k: int(v) for k, v in (turn["cart"] or {}).items()}
        if cart != expected:
            problems.append(f"{turn['say']!r}: cart {cart} != {expected}")
            missing = [name for name in expected if cart.get(name, 0) < expected[name]]
            if missing and not any(mark in reply for mark in _CLARIFIED):
                silent = True
    for name, note in (turn.get("notes") or {}).items():
        if note.casefold() not in notes.get(name, "").casefold():
            problems.append(
                f"{turn['say']!r}: note of {name} is {notes.get(name)!r}, wants {note!r}"
            )
    for text in turn.get("reply_has") or []:
        if str(text).casefold() not in reply.casefold():
            problems.append(f"{turn['say']!r}: reply lacks {text!r}")
    if "placed" in turn:
        orders = shop.orders(phone)
        expected = {k: int(v) for k, v in (turn["placed"] or {}).items()}
        if len(orders) <= before or orders[-1] != expected:
            problems.append(f"{turn['say']!r}: placed {orders[before:]} != {expected}")
    if not any(mark in reply for mark in _NEXT_STEP_MARKS):
        dead = True
        problems.append(f"{turn['say']!r}: dead end: {reply!r}")
    return silent, dead


def run_market(market: str, shop: Shop) -> list[Outcome]:
    """Every single and conversation of `market`, each checked."""
    cases = load(market)
    outcomes = []
    for case in cases.get("singles", []):
        whatsapp = shop.customer()
        if case.get("given"):
            shop.seed_cart(whatsapp.from_, case["given"])
        reply = whatsapp.send(str(case["say"])).text
        problems: list[str] = []
        silent, dead = _check_turn(shop, whatsapp.from_, case, reply, 0, problems)
        outcomes.append(
            Outcome(
                market,
                str(case["say"]),
                tuple(case.get("tags", ())),
                not problems,
                problems + [f"  reply: {reply}"] * bool(problems),
                silent,
                dead,
            )
        )
    for conversation in cases.get("conversations", []):
        whatsapp = shop.customer()
        problems = []
        silent = dead = False
        for turn in conversation["turns"]:
            before = len(shop.orders(whatsapp.from_))
            reply = whatsapp.send(str(turn["say"])).text
            found = len(problems)
            s, d = _check_turn(shop, whatsapp.from_, turn, reply, before, problems)
            silent, dead = silent or s, dead or d
            if len(problems) > found:
                problems.append(f"  reply: {reply}")
        outcomes.append(
            Outcome(
                market,
                f"[conversation] {conversation.get('name', '')}",
                tuple(conversation.get("tags", ())),
                not problems,
                problems,
                silent,
                dead,
            )
        )
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    """Accuracy per market and per phenomenon, with silent drops and dead ends."""
    rows = ["market      cases  exact   accuracy  silent-drops  dead-ends"]
    by_market: dict[str, list[Outcome]] = defaultdict(list)
    by_tag: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_market[outcome.market].append(outcome)
        for tag in outcome.tags:
            by_tag[tag].append(outcome)
    for market, group in [*by_market.items(), ("all", outcomes)]:
        ok = sum(o.ok for o in group)
        rows.append(
            f"{market:<10} {len(group):>6} {ok:>6} {100 * ok / max(len(group), 1):>9.1f}% "
            f"{sum(o.silent_drop for o in group):>12} {sum(o.dead_end for o in group):>10}"
        )
    rows.append("\nphenomenon          cases  accuracy")
    for tag, group in sorted(by_tag.items()):
        rows.append(
            f"{tag:<18} {len(group):>6} {100 * sum(o.ok for o in group) / len(group):>8.1f}%"
        )
    return "\n".join(rows)


def accuracy(outcomes: list[Outcome], market: str) -> float:
    """The share of `market`'s cases that came out exactly right."""
    group = [o for o in outcomes if o.market == market]
    return sum(o.ok for o in group) / max(len(group), 1)


def run_all(markets: tuple[str, ...], workdir: Path) -> list[Outcome]:
    """All markets on a fresh SQLite database under `workdir`, through a real app."""
    url = f"sqlite:///{workdir / 'corpus.db'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    settings = Settings(
        database_url=url, public_base_url=BASE_URL,
        twilio_account_sid="AC" + "0" * 32, twilio_auth_token=TOKEN,
    )  # fmt: skip
    client = create_app(settings, db=database).test_client()
    outcomes: list[Outcome] = []
    for index, market in enumerate(markets):
        outcomes += run_market(market, Shop(market, database, client, index))
    database.engine.dispose()
    return outcomes


def main(argv: list[str]) -> None:
    """Print the report and the misses of the markets named (all by default)."""
    markets = tuple(argv) or available_markets()
    with tempfile.TemporaryDirectory() as folder:
        outcomes = run_all(markets, Path(folder))
    for outcome in outcomes:
        if not outcome.ok:
            print(f"\n[{outcome.market}] {outcome.name} {outcome.tags}")
            print("\n".join("    " + p for p in outcome.problems))
    print(report(outcomes))


if __name__ == "__main__":
    main(sys.argv[1:])
