"""The options corpus (tests/bot/corpus/options_*.yaml) through the real, signed webhook.

Each market's business has products with option groups; every single comes from a new
customer. Carts are read back from the open checkout, orders from the orders table, each
line named with its options ("Jollof Rice [Large, Chicken]"). `python -m
tests.bot.test_options_corpus [market]` prints the report and every miss.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from orders_core.db import Database
from orders_core.migrate import upgrade
from orders_core.models import Checkout, Conversation, Order, utcnow
from orders_core.services.catalog import import_menu
from orders_core.services.checkouts import new_checkout_id
from orders_core.services.options import parse_options_text
from orders_core.services.tenants import create_tenant
from orders_core.settings import Settings
from tests.bot.corpus_harness import BASE_URL, TOKEN, Outcome, report
from tests.webhooks.twilio_helpers import WhatsApp
from webhooks.app import create_app

CORPUS = Path(__file__).parent / "corpus"
MARKETS = ("lagos", "mumbai", "nairobi")
TARGET = 0.9
_NEXT_STEP_MARKS = ("*", "?")


def line_key(name: str, options: list[str]) -> str:
    """How the corpus names a line: "Jollof Rice [Large, Chicken]", or the bare name."""
    return f"{name} [{', '.join(options)}]" if options else name


def _split_key(key: str) -> tuple[str, list[str]]:
    name, _, rest = key.partition(" [")
    return name, [o.strip() for o in rest.rstrip("]").split(",")] if rest else []


class Shop:
    """One market's business with option groups behind the real app."""

    def __init__(self, market: str, database: Database, client: Any, index: int) -> None:
        spec = yaml.safe_load((CORPUS / "options_menus.yaml").read_text("utf-8"))[market]
        self.database, self.client, self.index, self.phones = database, client, index, 0
        self.number = f"+1415777{index:04d}"
        with database.write() as session:
            tenant = create_tenant(
                session, name=spec["name"], currency=spec["currency"],
                timezone=spec["timezone"], whatsapp_number=self.number,
                staff=[f"+1415888{index:04d}"],
            )  # fmt: skip
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
                    "option_groups": parse_options_text(p.get("options", ""), spec["currency"]),
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
        phone = f"+2348{self.index:02d}{self.phones:07d}"
        return WhatsApp(
            self.client, token=TOKEN, base_url=BASE_URL, to=self.number, from_=phone,
            profile_name=None,
        )  # fmt: skip

    def seed(self, phone: str, given: dict[str, int]) -> None:
        """A cart holding the `given` lines, as if the customer had sent them before."""
        items = []
        for key, quantity in given.items():
            name, options = _split_key(key)
            items.append({"product_id": self.codes[name], "quantity": int(quantity)} | (
                {"options": options} if options else {}
            ))  # fmt: skip
        at, checkout_id = utcnow(), new_checkout_id()
        with self.database.write() as session:
            conversation = Conversation(
                tenant_id=self.tenant_id, phone=phone, state="cart",
                data={"checkout": checkout_id, "last_item": items[-1]["product_id"]},
                last_activity_at=at, created_at=at,
            )  # fmt: skip
            session.add(conversation)
            session.flush()
            session.add(
                Checkout(
                    public_id=checkout_id, tenant_id=self.tenant_id,
                    conversation_id=conversation.id, status="open", channel="whatsapp",
                    source="whatsapp", customer={"phone": phone}, items=items, meta={},
                    delivery_fee=0, last_activity_at=at, created_at=at, updated_at=at,
                )
            )  # fmt: skip

    def cart(self, phone: str) -> tuple[dict[str, int], dict[str, str]]:
        """The cart as line key -> quantity, and product name -> its lines' notes."""
        quantities: Counter[str] = Counter()
        notes: dict[str, str] = {}
        with self.database.read() as session:
            checkout = session.scalars(
                select(Checkout)
                .join(Conversation, Conversation.id == Checkout.conversation_id)
                .where(Checkout.status == "open", Conversation.phone == phone)
            ).one_or_none()
            for item in checkout.items if checkout else []:
                name = self.names.get(item["product_id"], item["product_id"])
                quantities[line_key(name, item.get("options", []))] += item["quantity"]
                if item.get("note"):
                    notes[name] = f"{notes.get(name, '')} {item['note']}".strip()
        return dict(quantities), notes

    def orders(self, phone: str) -> list[dict[str, int]]:
        """The customer's orders, oldest first, as line key -> quantity."""
        with self.database.read() as session:
            rows = session.scalars(
                select(Order)
                .where(Order.tenant_id == self.tenant_id, Order.customer_phone == phone)
                .order_by(Order.number)
            ).all()
            return [
                dict(
                    Counter({
                        line_key(i.name, [o["name"] for o in i.options]): i.quantity
                        for i in order.items
                    })
                )
                for order in rows
            ]  # fmt: skip


def _check(shop: Shop, phone: str, turn: dict[str, Any], reply: str, before: int) -> list[str]:
    cart, notes = shop.cart(phone)
    problems = []
    if "cart" in turn:
        expected = {k: int(v) for k, v in (turn["cart"] or {}).items()}
        if cart != expected:
            problems.append(f"{turn['say']!r}: cart {cart} != {expected}")
    for name, note in (turn.get("notes") or {}).items():
        if note.casefold() not in notes.get(name, "").casefold():
            problems.append(f"{turn['say']!r}: note of {name} is {notes.get(name)!r}")
    problems += [
        f"{turn['say']!r}: reply lacks {text!r}"
        for text in turn.get("reply_has") or []
        if str(text).casefold() not in reply.casefold()
    ]
    if "placed" in turn:
        orders = shop.orders(phone)
        expected = {k: int(v) for k, v in (turn["placed"] or {}).items()}
        if len(orders) <= before or orders[-1] != expected:
            problems.append(f"{turn['say']!r}: placed {orders[before:]} != {expected}")
    if not any(mark in reply for mark in _NEXT_STEP_MARKS):
        problems.append(f"{turn['say']!r}: dead end")
    return problems + [f"  reply: {reply}"] * bool(problems)


def run_market(market: str, shop: Shop) -> list[Outcome]:
    """Every single and conversation of `market`, each checked."""
    cases = yaml.safe_load((CORPUS / f"options_{market}.yaml").read_text("utf-8"))
    outcomes = []
    for case in cases.get("singles", []):
        whatsapp = shop.customer()
        if case.get("given"):
            shop.seed(whatsapp.from_, case["given"])
        problems = _check(shop, whatsapp.from_, case, whatsapp.send(str(case["say"])).text, 0)
        tags = tuple(case.get("tags", ()))
        outcomes.append(Outcome(market, str(case["say"]), tags, not problems, problems))
    for conversation in cases.get("conversations", []):
        whatsapp = shop.customer()
        problems = []
        for turn in conversation["turns"]:
            before = len(shop.orders(whatsapp.from_))
            reply = whatsapp.send(str(turn["say"])).text
            problems += _check(shop, whatsapp.from_, turn, reply, before)
        name = f"[conversation] {conversation.get('name', '')}"
        tags = tuple(conversation.get("tags", ()))
        outcomes.append(Outcome(market, name, tags, not problems, problems))
    return outcomes


def run_all(markets: tuple[str, ...], workdir: Path) -> list[Outcome]:
    """The markets on a fresh SQLite database under `workdir`, through a real app."""
    url = f"sqlite:///{workdir / 'options.db'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    settings = Settings(
        database_url=url, public_base_url=BASE_URL,
        twilio_account_sid="AC" + "0" * 32, twilio_auth_token=TOKEN,
    )  # fmt: skip
    client = create_app(settings, db=database).test_client()
    outcomes: list[Outcome] = []
    for index, market in enumerate(markets):
        outcomes += run_market(market, Shop(market, database, client, 90 + index))
    database.engine.dispose()
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    """Every market's cases, run once for the module."""
    return run_all(MARKETS, Path(tmp_path_factory.mktemp("options")))


@pytest.mark.parametrize("market", MARKETS)
def test_option_carts_come_out_right(outcomes: list[Outcome], market: str) -> None:
    print("\n" + report(outcomes))
    group = [o for o in outcomes if o.market == market]
    misses = [f"{o.name}: {o.problems[:2]}" for o in group if not o.ok]
    assert sum(o.ok for o in group) / len(group) >= TARGET, "\n".join(misses)


def test_no_option_reply_is_a_dead_end(outcomes: list[Outcome]) -> None:
    assert [o.name for o in outcomes if any("dead end" in p for p in o.problems)] == []


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        found = run_all(tuple(sys.argv[1:]) or MARKETS, Path(folder))
    for outcome in found:
        if not outcome.ok:
            print(f"\n[{outcome.market}] {outcome.name} {outcome.tags}")
            print("\n".join("    " + p for p in outcome.problems))
    print(report(found))
