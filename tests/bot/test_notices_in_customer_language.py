"""Receipts, cancellations and reminders speak the language the customer chats in (en, pcm,
hi, sw), each from a business of that market; an unknown language or a customer who never
chatted gets English. Template keys and variables do not change with the language."""

from __future__ import annotations

import re
import string
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot import notifications as wording
from bot.reminders import ask_feedback, nudge_abandoned_carts, remind_unpaid
from orders_core.db import Database
from orders_core.models import Conversation
from orders_core.schemas import CancelIn, PaymentIn
from orders_core.services import orders as use
from orders_core.services import payments as money
from orders_core.settings import Settings
from tests.bot.chat_cart import seed_cart
from tests.bot.test_reminders import DAYTIME, _aged_order, _run, _set
from tests.bot.test_unpaid_reminder_link import ASK_FIRST, BASE, confirmed_an_hour_ago
from tests.conftest import TenantInfo, make_tenant
from tests.statements import counting
from tests.twilio_recorder import CUSTOMER, Harness, customer_wrote, make_harness, move, place

PACKS = Path(__file__).parents[2] / "bot" / "language" / "packs"
MARKETS = ("pcm", "hi", "sw")
TOPICS = ("notices", "reminders")

SHOPS = {  # the business a customer of each language orders from (Lagos by default)
    "hi": {"name": "Bombay Tiffin", "currency": "INR", "timezone": "Asia/Kolkata",
           "whatsapp_number": "+912200000000", "staff": ["+919800000001"]},
    "sw": {"name": "Nyama Choma Nairobi", "currency": "KES", "timezone": "Africa/Nairobi",
           "whatsapp_number": "+254700000000", "staff": ["+254711000001"]},
}  # fmt: skip

TRANSFER = "GTBank 0123456789 · Mama Put Ltd"
WORDS = {  # what each language says, word for word (an order of 2 jollof, #1001)
    "en": {
        "refunded": "Mama Put Lagos: we have refunded ₦2,000 for order #1001.",
        "receipt": "Mama Put Lagos: we received your payment of ₦2,000 for order #1001. "
        "Thank you!\nStill to pay: ₦5,000",
        "cancelled": "Mama Put Lagos: your order #1001 was cancelled. Reason: out of stock. "
        "Note: Jollof is finished.\nYour payment of ₦2,000 will be refunded.",
        "unpaid": "Mama Put Lagos: a reminder that order #1001 is waiting for payment of "
        "₦7,000. Reply here if you need our payment details.",
        "pay_link": "Please pay ₦7,000 here: {url}",
        "pay_transfer": f"Or pay by bank transfer to:\n{TRANSFER}\n"
        "Then send a picture of the receipt here.",
        "feedback": "Mama Put Lagos: how was order #1001? Reply with a number from 1 (poor) "
        "to 5 (great), or tell us in your own words.",
        "cart": "Mama Put Lagos: you left 2 × Jollof Rice (Large) in your cart. "
        "Reply YES to place the order, or tell us what to change.",
    },
    "pcm": {
        "refunded": "Mama Put Lagos: we don refund ₦2,000 for order #1001.",
        "receipt": "Mama Put Lagos: we don receive your payment of ₦2,000 for order #1001. "
        "Thank you!\nBalance wey remain: ₦5,000",
        "cancelled": "Mama Put Lagos: we don cancel your order #1001. Reason: wetin you order "
        "don finish. Note: Jollof is finished.\nWe go refund the ₦2,000 wey you pay.",
        "unpaid": "Mama Put Lagos: small reminder say order #1001 still dey wait for payment "
        "of ₦7,000. Reply here if you need our account details.",
        "pay_link": "Abeg pay ₦7,000 for here: {url}",
        "pay_transfer": f"Or make transfer enter:\n{TRANSFER}\nThen snap the receipt send here.",
        "feedback": "Mama Put Lagos: how order #1001 take be? Reply with number from 1 "
        "(e no good) to 5 (e sweet well well), or just tell us how you see am.",
        "cart": "Mama Put Lagos: you leave 2 × Jollof Rice (Large) for your cart. "
        "Reply YES make we place the order, or tell us wetin to change.",
    },
    "hi": {
        "refunded": "Bombay Tiffin: order #1001 ka ₹2,000 refund kar diya hai.",
        "receipt": "Bombay Tiffin: order #1001 ka ₹2,000 payment mil gaya, shukriya!\n"
        "Abhi baaki: ₹5,000",
        "cancelled": "Bombay Tiffin: aapka order #1001 cancel ho gaya hai. Wajah: item khatam "
        "ho gaya. Note: Jollof is finished.\nAapka ₹2,000 ka payment refund ho jayega.",
        "unpaid": "Bombay Tiffin: yaad dila rahe hain, order #1001 ka ₹7,000 payment abhi "
        "baaki hai. Payment details chahiye to yahan reply kijiye.",
        "pay_link": "Kripya ₹7,000 yahan pay karein: {url}",
        "pay_transfer": f"Ya bank transfer karein:\n{TRANSFER}\nPhir receipt ki photo yahan bhejiye.",
        "feedback": "Bombay Tiffin: order #1001 kaisa laga? 1 (bekaar) se 5 (zabardast) tak "
        "number bhejiye, ya apne shabdon mein bataiye.",
        "cart": "Bombay Tiffin: aapka cart abhi bhi intezaar kar raha hai: 2 × Jollof Rice "
        "(Large). Order place karne ke liye YES bhejiye, ya bataiye kya badalna hai.",
    },
    "sw": {
        "refunded": "Nyama Choma Nairobi: tumekurudishia KSh 2,000 kwa oda #1001.",
        "receipt": "Nyama Choma Nairobi: tumepokea malipo yako ya KSh 2,000 kwa oda #1001. "
        "Asante!\nKiasi kilichobaki: KSh 5,000",
        "cancelled": "Nyama Choma Nairobi: oda yako #1001 imeghairiwa. Sababu: bidhaa imeisha. "
        "Maelezo: Jollof is finished.\nMalipo yako ya KSh 2,000 yatarudishwa.",
        "unpaid": "Nyama Choma Nairobi: tunakukumbusha kuwa oda #1001 inasubiri malipo ya "
        "KSh 7,000. Jibu hapa kama unahitaji maelezo ya kulipa.",
        "pay_link": "Tafadhali lipa KSh 7,000 hapa: {url}",
        "pay_transfer": f"Au lipa kwa benki:\n{TRANSFER}\nKisha tuma picha ya risiti hapa.",
        "feedback": "Nyama Choma Nairobi: oda #1001 ilikuwaje? Jibu kwa namba kuanzia 1 (mbaya) "
        "hadi 5 (safi sana), au tuambie kwa maneno yako.",
        "cart": "Nyama Choma Nairobi: uliacha 2 × Jollof Rice (Large) kwenye kikapu chako. "
        "Jibu NDIO kuweka oda, au tuambie cha kubadilisha.",
    },
}

# None: the customer never chatted (no conversation); "fr": a language with no pack.
LANGUAGES = ["en", "pcm", "hi", "sw", "fr", None]


@pytest.fixture(params=LANGUAGES, ids=lambda lang: lang or "no-chat")
def lang(request: pytest.FixtureRequest) -> str | None:
    """The language the customer's conversation is in."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def shop(database: Database, lang: str | None) -> TenantInfo:
    """The business of the customer's market."""
    return make_tenant(database, **SHOPS.get(lang or "", {}))


@pytest.fixture
def words(lang: str | None) -> dict[str, str]:
    """What the customer should read: their language's words, English for any other."""
    return WORDS.get(lang or "", WORDS["en"])


@pytest.fixture
def h(database: Database, settings: Settings, shop: TenantInfo) -> Harness:
    """The harness at noon in Lagos; the customer wrote an hour ago."""
    harness = make_harness(database, settings)
    harness.now = DAYTIME
    customer_wrote(database, shop.id, DAYTIME - timedelta(hours=1))
    return harness


def _chats_in(h: Harness, shop: TenantInfo, lang: str | None, phone: str = CUSTOMER) -> None:
    """The customer's conversation, in `lang` (none at all for None)."""
    if lang is None:
        return
    with h.database.write() as session:
        session.add(
            Conversation(tenant_id=shop.id, phone=phone, state="browsing", data={"lang": lang},
                         last_activity_at=h.now, created_at=h.now)
        )  # fmt: skip


def _change(h: Harness, shop: TenantInfo, order_id: str, work: object) -> None:
    with h.database.write() as session:
        order = use.get_order(session, shop.id, order_id, lock=True)
        work(session, order)  # type: ignore[operator]


def _bodies(h: Harness) -> list[str]:
    return [form["Body"] for form in h.recorder.sent if form["To"] == f"whatsapp:{CUSTOMER}"]


def test_the_receipt_the_refund_and_the_cancellation(
    h: Harness, shop: TenantInfo, lang: str | None, words: dict[str, str]
) -> None:
    _chats_in(h, shop, lang)
    order_id = place(h.database, shop.id)
    move(h.database, shop.id, order_id, "confirmed")
    pay = PaymentIn(amount=200000)
    _change(h, shop, order_id, lambda s, o: money.record_payment(s, o, pay, actor="t"))
    cancel = CancelIn(reason="out_of_stock", note="Jollof is finished.")
    _change(h, shop, order_id, lambda s, o: use.cancel_order(s, o, cancel, actor="t"))
    h.dispatch()

    _, receipt, refunded, cancelled = _bodies(h)  # a cancellation refunds what was paid
    assert receipt == words["receipt"]
    assert refunded == words["refunded"]
    assert cancelled == words["cancelled"]


def test_the_unpaid_reminder(
    h: Harness, shop: TenantInfo, lang: str | None, words: dict[str, str]
) -> None:
    _set(h, shop, unpaid_reminder_minutes=60)
    _chats_in(h, shop, lang)
    _aged_order(h, shop, "confirmed", 90)
    h.dispatch()
    assert _run(h, remind_unpaid) == 1
    assert _bodies(h)[-1] == words["unpaid"]


def test_the_unpaid_reminder_asks_for_payment_in_the_same_words(
    h: Harness, shop: TenantInfo, lang: str | None, words: dict[str, str]
) -> None:
    _set(h, shop, unpaid_reminder_minutes=60, payments=ASK_FIRST)
    _chats_in(h, shop, lang)
    confirmed_an_hour_ago(h, shop)
    [confirmation] = _bodies(h)
    found = re.search(rf"{BASE}/pay/\S+", confirmation)
    assert found, confirmation

    assert _run(h, remind_unpaid) == 1
    reminder = _bodies(h)[-1]
    link = words["pay_link"].format(url=found.group(0))
    assert reminder == "\n\n".join([words["unpaid"], link, words["pay_transfer"]])


def test_the_feedback_request(
    h: Harness, shop: TenantInfo, lang: str | None, words: dict[str, str]
) -> None:
    _set(h, shop, feedback_after_minutes=120)
    _chats_in(h, shop, lang)
    _aged_order(h, shop, "delivered", 121)
    h.dispatch()
    assert _run(h, ask_feedback) == 1
    assert _bodies(h)[-1] == words["feedback"]


def test_the_cart_nudge(
    h: Harness, shop: TenantInfo, lang: str | None, words: dict[str, str]
) -> None:
    with h.database.write() as session:
        seed_cart(session, shop.id, CUSTOMER, {"prod_jollof": 2},
                  data={"lang": lang} if lang else {},
                  last_activity_at=h.now - timedelta(minutes=61))  # fmt: skip
    assert _run(h, nudge_abandoned_carts) == 1
    assert _bodies(h) == [words["cart"]]


@pytest.mark.parametrize("lang", ["sw"])
def test_a_run_reads_its_customers_languages_in_one_query(
    h: Harness, shop: TenantInfo, lang: str
) -> None:
    _set(h, shop, unpaid_reminder_minutes=60)
    phones = [CUSTOMER, "+254722000001", "+254722000002"]
    for phone in phones:
        customer_wrote(h.database, shop.id, h.now - timedelta(hours=1), phone=phone)
        _chats_in(h, shop, lang, phone=phone)
        _aged_order(h, shop, "confirmed", 90, phone=phone)
    h.dispatch()
    with counting(h.database.engine) as seen:
        assert remind_unpaid(h.database, now=h.now) == 3
    reads = [s for s in seen if s.startswith("SELECT conversations.phone, conversations.data")]
    assert len(reads) == 1, seen
    h.dispatch()
    reminders = [f["Body"] for f in h.recorder.sent if "tunakukumbusha" in f.get("Body", "")]
    assert len(reminders) == 3


# --- the words themselves --------------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _topic(code: str, topic: str) -> dict[str, str]:
    return tomllib.loads((PACKS / code / f"{topic}.toml").read_text("utf-8"))["replies"]


@pytest.mark.parametrize("code", MARKETS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_notice_and_reminder_is_in_all_four_packs(code: str, topic: str) -> None:
    english, theirs = _topic("en", topic), _topic(code, topic)
    assert sorted(theirs) == sorted(english), f"{code}/{topic}.toml"
    for key, template in english.items():
        assert _fields(theirs[key]) == _fields(template), f"{code}/{topic}.toml: {key}"


ORDER = {"number": 1042, "currency": "KES", "status": "confirmed", "total": 300000,
         "amount_paid": 100000, "customer": {"name": "Wanjiru", "phone": "+254722000001"}}  # fmt: skip
RETURN = {"items": [{"quantity": 1, "name": "Chapati"}], "rejection_note": "Opened"}
NOTICES = {
    "cancelled": lambda lang: wording.cancelled_notice(ORDER, "Biz", "fraud", "Call us", lang),
    "payment": lambda lang: wording.payment_notice(ORDER, "Biz", 100000, lang),
    "refund": lambda lang: wording.refund_notice(ORDER, "Biz", 100000, lang),
    "partial": lambda lang: wording.partial_fulfillment_notice(ORDER, "Biz", "https://t/1", lang),
    "unpaid": lambda lang: wording.unpaid_reminder(ORDER, "Biz", lang),
    "feedback": lambda lang: wording.feedback_request(ORDER, "Biz", lang),
    "cart": lambda lang: wording.cart_nudge([{"quantity": 2, "name": "Chapati"}], "Biz", lang),
    "empty cart": lambda lang: wording.cart_nudge([], "Biz", lang),
    **{
        kind: lambda lang, kind=kind: wording.return_notice(kind, ORDER, "Biz", RETURN, lang)
        for kind in wording.RETURN_KINDS
    },
}


@pytest.mark.parametrize("code", MARKETS)
@pytest.mark.parametrize("name", NOTICES)
def test_a_notice_changes_its_words_not_its_template(code: str, name: str) -> None:
    english, theirs = NOTICES[name]("en"), NOTICES[name](code)
    assert theirs is not None and english is not None
    assert theirs.body != english.body and theirs.body.startswith("Biz: ")
    assert (theirs.template, theirs.variables) == (english.template, english.variables)


def test_an_unknown_language_is_told_in_english() -> None:
    for make in NOTICES.values():
        assert make("fr") == make("en")
