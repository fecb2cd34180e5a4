"""Real-looking WhatsApp messages and what the parser must make of them, on a demo menu."""

from __future__ import annotations

from dataclasses import dataclass

from bot.intents import CatalogEntry, IntentKind

K = IntentKind

JOLLOF = "prod_jollof"
CHAPMAN = "prod_chapman"
PLANTAIN = "prod_plantain"
FRIED_RICE = "prod_friedrice"
CHICKEN = "prod_chicken"
SUYA = "prod_suya"
PUFF_PUFF = "prod_puffpuff"
MOI_MOI = "prod_moimoi"
EGUSI = "prod_egusi"
WATER = "prod_water"
ZOBO = "prod_zobo"
MEAT_PIE = "prod_meatpie"

DEMO_CATALOG = (
    CatalogEntry(JOLLOF, "Jollof Rice (Large)", ("jollof", "jellof", "jolof"), 350000),
    CatalogEntry(CHAPMAN, "Chapman", (), 150000),
    CatalogEntry(PLANTAIN, "Fried Plantain (Dodo)", ("dodo", "plantain"), 100000),
    CatalogEntry(FRIED_RICE, "Fried Rice", (), 350000),
    CatalogEntry(CHICKEN, "Grilled Chicken", ("chicken",), 250000),
    CatalogEntry(SUYA, "Beef Suya", ("suya",), 200000),
    CatalogEntry(PUFF_PUFF, "Puff-Puff (6 pcs)", ("puff puff", "puff-puff"), 80000),
    CatalogEntry(MOI_MOI, "Moi Moi", (), 70000),
    CatalogEntry(EGUSI, "Egusi Soup with Pounded Yam", ("egusi", "pounded yam"), 400000),
    CatalogEntry(WATER, "Bottled Water", ("water",), 30000),
    CatalogEntry(ZOBO, "Zobo Drink", ("zobo",), 50000),
    CatalogEntry(MEAT_PIE, "Meat Pie", ("meatpie", "meat pie"), 60000),
)


@dataclass(frozen=True)
class Case:
    """One message, the intent kind it must give, and its items as (code, quantity)."""

    message: str
    kind: IntentKind
    items: tuple[tuple[str, int], ...] = ()
    unmatched: tuple[str, ...] = ()  # the Unmatched texts, in order
    text: str | None = None  # Intent.text, when it matters

    @property
    def id(self) -> str:
        """A readable test id: the kind and the message on one line."""
        return f"{self.kind.value}:{' / '.join(self.message.splitlines()) or '(blank)'}"


def case(
    message: str,
    kind: IntentKind,
    *items: tuple[str, int],
    unmatched: tuple[str, ...] = (),
    text: str | None = None,
) -> Case:
    """A table row: items as (code, quantity) pairs after the kind."""
    return Case(message, kind, items, unmatched, text)


CASES: tuple[Case, ...] = (
    # Greetings, in the ways Lagos, Mumbai and Nairobi say them
    case("hi", K.GREET),
    case("Hello!!", K.GREET),
    case("Hiii 👋", K.GREET),
    case("hey there", K.GREET),
    case("Good morning", K.GREET),
    case("good evening sir", K.GREET),
    case("Good afternoon ma", K.GREET),
    case("How far", K.GREET),
    case("Namaste 🙏", K.GREET),
    case("Habari", K.GREET),
    case("hello, do you deliver to Yaba?", K.GREET),
    # Thanks, after an order
    case("thanks", K.THANKS),
    case("Thank you!", K.THANKS),
    case("thanks so much 🙏", K.THANKS),
    case("Asante sana", K.THANKS),
    case("shukriya", K.THANKS),
    # The menu
    case("menu", K.MENU),
    case("MENU pls", K.MENU),
    case("what do you have?", K.MENU),
    case("Price list", K.MENU),
    case("send me the menu", K.MENU),
    case("hi, menu please", K.MENU),
    case("wetin una get today?", K.MENU),
    case("how much is jollof", K.ASK),
    case("do you have suya?", K.ASK),
    case("I want to order", K.MENU),
    # Adding: one item, quantities every way
    case("jollof", K.ADD, (JOLLOF, 1)),
    case("Jollof rice", K.ADD, (JOLLOF, 1)),
    case("2 jollof", K.ADD, (JOLLOF, 2)),
    case("two jollof", K.ADD, (JOLLOF, 2)),
    case("jollof x2", K.ADD, (JOLLOF, 2)),
    case("JOLLOF X3", K.ADD, (JOLLOF, 3)),
    case("2x jollof", K.ADD, (JOLLOF, 2)),
    case("2 x jollof", K.ADD, (JOLLOF, 2)),
    case("jollof 2x", K.ADD, (JOLLOF, 2)),
    case("jollof*2", K.ADD, (JOLLOF, 2)),
    case("2jollof", K.ADD, (JOLLOF, 2)),
    case("chapman - 2", K.ADD, (CHAPMAN, 2)),
    case("a chapman", K.ADD, (CHAPMAN, 1)),
    case("one zobo", K.ADD, (ZOBO, 1)),
    case("twelve meat pies", K.ADD, (MEAT_PIE, 12)),
    case("a dozen puff puff", K.ADD, (PUFF_PUFF, 12)),
    case("half dozen puff-puff", K.ADD, (PUFF_PUFF, 6)),
    case("2 dozen puff puff", K.ADD, (PUFF_PUFF, 24)),
    case("Jollof Rice (Large) x 2", K.ADD, (JOLLOF, 2)),
    case("2 plates of jollof", K.ADD, (JOLLOF, 2)),
    case("3 bottles of water", K.ADD, (WATER, 3)),
    case("another chapman", K.ADD, (CHAPMAN, 1)),
    case("2 more zobo", K.ADD, (ZOBO, 2)),
    # Adding: fillers, Pidgin, Indian and Kenyan English
    case("abeg give me 2 jollof", K.ADD, (JOLLOF, 2)),
    case("Biko send me one zobo", K.ADD, (ZOBO, 1)),
    case("pls I want 2 jollof rice", K.ADD, (JOLLOF, 2)),
    case("I'd like 4 suya please", K.ADD, (SUYA, 4)),
    case("can I get a meat pie", K.ADD, (MEAT_PIE, 1)),
    case("add 2 chapman to my cart", K.ADD, (CHAPMAN, 2)),
    case("kindly send 1 egusi soup", K.ADD, (EGUSI, 1)),
    case("make una bring 2 jollof", K.ADD, (JOLLOF, 2)),
    case("I wan 3 dodo abeg", K.ADD, (PLANTAIN, 3)),
    case("mujhe 2 fried rice chahiye", K.ADD, (FRIED_RICE, 2)),
    case("nataka 2 chapman tafadhali", K.ADD, (CHAPMAN, 2)),
    case("Please add 1 grilled chicken, thank you", K.ADD, (CHICKEN, 1)),
    case("ok 2 jollof", K.ADD, (JOLLOF, 2)),
    case("Yes, add a chapman", K.ADD, (CHAPMAN, 1)),
    case("good morning, I want 2 jollof and a chapman please", K.ADD, (JOLLOF, 2), (CHAPMAN, 1)),
    case("how far, abeg 2 jollof", K.ADD, (JOLLOF, 2)),
    case("namaste, 3 puff puff pls 🙏", K.ADD, (PUFF_PUFF, 3)),
    case("Jollof 😋😋", K.ADD, (JOLLOF, 1)),
    # Adding: several items at once
    case(
        "2 jollof, 1 chapman and a plantain",
        K.ADD,
        (JOLLOF, 2),
        (CHAPMAN, 1),
        (PLANTAIN, 1),
    ),
    case(
        "Pls I want 2 jollof rice, 1 chapman & 2 zobo", K.ADD, (JOLLOF, 2), (CHAPMAN, 1), (ZOBO, 2)
    ),
    case("jollof + chicken", K.ADD, (JOLLOF, 1), (CHICKEN, 1)),
    case("suya; 2 water", K.ADD, (SUYA, 1), (WATER, 2)),
    case("1 jollof\n2 chapman\n1 dodo", K.ADD, (JOLLOF, 1), (CHAPMAN, 2), (PLANTAIN, 1)),
    case("1. jollof x2\n2. chapman x1", K.ADD, (JOLLOF, 2), (CHAPMAN, 1)),
    case("2 jollof aur 1 chapman", K.ADD, (JOLLOF, 2), (CHAPMAN, 1)),
    case("can I get a meat pie and a bottle of water", K.ADD, (MEAT_PIE, 1), (WATER, 1)),
    case("2 plates of jollof and 3 bottles of water", K.ADD, (JOLLOF, 2), (WATER, 3)),
    case("jollof rice with chicken", K.ADD, (JOLLOF, 1), (CHICKEN, 1)),
    case("egusi and pounded yam", K.ADD, (EGUSI, 1)),
    case("2 egusi soup with pounded yam", K.ADD, (EGUSI, 2)),
    case("fried rice and fried plantain", K.ADD, (FRIED_RICE, 1), (PLANTAIN, 1)),
    case("2 jollof, done", K.ADD, (JOLLOF, 2)),
    case("2 jollof 1 chapman", K.ADD, (JOLLOF, 2), (CHAPMAN, 1)),
    case("two jollof one zobo", K.ADD, (JOLLOF, 2), (ZOBO, 1)),
    case("jollof x2 chapman x1", K.ADD, (JOLLOF, 2), (CHAPMAN, 1)),
    case("chicken 2 pieces", K.ADD, (CHICKEN, 2)),
    case("Kindly do the needful and send 2 fried rice", K.ADD, (FRIED_RICE, 2)),
    case("Bhai 2 jollof bhej do", K.ADD, (JOLLOF, 2)),
    case("Sasa, niletee 2 zobo", K.ADD, (ZOBO, 2)),
    # Adding: typos, plurals, other spellings
    case("jolof", K.ADD, (JOLLOF, 1)),
    case("2 jellof", K.ADD, (JOLLOF, 2)),
    case("jolloff rice x2", K.ADD, (JOLLOF, 2)),
    case("grilled chiken", K.ADD, (CHICKEN, 1)),
    case("chapmn", K.ADD, (CHAPMAN, 1)),
    case("plantains", K.ADD, (PLANTAIN, 1)),
    case("3 chapmans", K.ADD, (CHAPMAN, 3)),
    case("2 waters", K.ADD, (WATER, 2)),
    case("Zobo drinks", K.ADD, (ZOBO, 1)),
    case("moimoi", K.ADD, (MOI_MOI, 1)),
    case("moi-moi x 2", K.ADD, (MOI_MOI, 2)),
    case("meatpie", K.ADD, (MEAT_PIE, 1)),
    case("suya beef", K.ADD, (SUYA, 1)),
    case("egusi soup", K.ADD, (EGUSI, 1)),
    case("large jollof", K.ADD, (JOLLOF, 1)),
    # Products the menu does not have, or cannot tell apart
    case("2 pizza", K.UNKNOWN, unmatched=("pizza",)),
    case("I want shawarma", K.UNKNOWN, unmatched=("shawarma",)),
    case("2 jollof and a pizza", K.ADD, (JOLLOF, 2), unmatched=("pizza",)),
    case("coke and jollof", K.ADD, (JOLLOF, 1), unmatched=("coke",)),
    case("rice", K.UNKNOWN, unmatched=("rice",)),
    case("2 fried", K.UNKNOWN, unmatched=("fried",)),
    case("hi 2 pizza", K.UNKNOWN, unmatched=("pizza",)),
    case("spicy jollof", K.ADD, (JOLLOF, 1)),
    case("chicken wings", K.UNKNOWN, unmatched=("chicken wings",)),
    case("pepper soup and jollof", K.ADD, (JOLLOF, 1), unmatched=("pepper soup",)),
    case("Niaje, nataka 2 chapati", K.UNKNOWN, unmatched=("chapati",)),
    case("0 jollof", K.UNKNOWN),
    case("-1 jollof", K.UNKNOWN, unmatched=("-1 jollof",)),
    case("dozen puff puff", K.ADD, (PUFF_PUFF, 12)),
    case("pizza", K.UNKNOWN),
    case("is the jollof spicy?", K.ASK),
    case("lol", K.UNKNOWN),
    case("stop sending me messages", K.UNKNOWN),
    # Removing
    case("remove the chapman", K.REMOVE, (CHAPMAN, 0)),
    case("no plantain", K.REMOVE, (PLANTAIN, 0)),
    case("remove 1 jollof", K.REMOVE, (JOLLOF, 1)),
    case("remove jollof from my cart", K.REMOVE, (JOLLOF, 0)),
    case("take out the zobo", K.REMOVE, (ZOBO, 0)),
    case("remove all the jollof", K.REMOVE, (JOLLOF, 0)),
    case("remove 2 chapman and the dodo", K.REMOVE, (CHAPMAN, 2), (PLANTAIN, 0)),
    case("no more plantain", K.REMOVE, (PLANTAIN, 0)),
    case("without dodo pls", K.REMOVE, (PLANTAIN, 0)),
    case("I don't want the chapman again", K.REMOVE, (CHAPMAN, 0)),
    case("cancel the chapman", K.REMOVE, (CHAPMAN, 0)),
    case("comot the suya", K.REMOVE, (SUYA, 0)),
    case("remove pizza", K.UNKNOWN, unmatched=("pizza",)),
    # Changing quantities
    case("make it 3 jollof", K.SET_QUANTITY, (JOLLOF, 3)),
    case("change jollof to 3", K.SET_QUANTITY, (JOLLOF, 3)),
    case("3 jollof instead", K.SET_QUANTITY, (JOLLOF, 3)),
    case("jollof 3 instead", K.SET_QUANTITY, (JOLLOF, 3)),
    case("change the chapman to 2", K.SET_QUANTITY, (CHAPMAN, 2)),
    case("make the jollof 4", K.SET_QUANTITY, (JOLLOF, 4)),
    case("make it 2 chapman and 1 zobo", K.SET_QUANTITY, (CHAPMAN, 2), (ZOBO, 1)),
    case("update jollof to five", K.SET_QUANTITY, (JOLLOF, 5)),
    case("sorry, make it 3 jollof", K.SET_QUANTITY, (JOLLOF, 3)),
    case("I want 2 jollof instead", K.SET_QUANTITY, (JOLLOF, 2)),
    case("set chicken to 0", K.REMOVE, (CHICKEN, 0)),
    case("make it 3", K.UNKNOWN),
    # The cart
    case("cart", K.SHOW_CART),
    case("my cart", K.SHOW_CART),
    case("What's in my cart?", K.SHOW_CART),
    case("basket", K.SHOW_CART),
    case("show me my cart", K.SHOW_CART),
    case("my order", K.SHOW_CART),
    case("clear", K.CLEAR),
    case("empty cart", K.CLEAR),
    case("Start over", K.CLEAR),
    case("clear my cart pls", K.CLEAR),
    case("remove everything", K.CLEAR),
    # Checking out
    case("checkout", K.CHECKOUT),
    case("Check out", K.CHECKOUT),
    case("done", K.CHECKOUT),
    case("Done ✅", K.CHECKOUT),
    case("that's all", K.CHECKOUT),
    case("thats all thank you", K.CHECKOUT),
    case("place order", K.CHECKOUT),
    case("place my order", K.CHECKOUT),
    case("I'm done", K.CHECKOUT),
    case("ok that's all", K.CHECKOUT),
    case("no, that's all", K.CHECKOUT),
    case("I'm done ordering", K.CHECKOUT),
    # Yes and no
    case("yes", K.YES),
    case("Y", K.YES),
    case("yeah", K.YES),
    case("Yep", K.YES),
    case("ok", K.YES),
    case("Okay", K.YES),
    case("sure", K.YES),
    case("confirm", K.YES),
    case("Correct", K.YES),
    case("👍", K.YES),
    case("👍🏾", K.YES),
    case("yes please", K.YES),
    case("Yesss 🙌", K.YES),
    case("haan ji", K.YES),
    case("sawa", K.YES),
    case("no", K.NO),
    case("Nope", K.NO),
    case("n", K.NO),
    case("not now", K.NO),
    case("No thanks", K.NO),
    case("nahi", K.NO),
    case("no i want 3 jollof", K.ADD, (JOLLOF, 3)),
    # Addresses
    case("address: 12 Allen Ave, Ikeja", K.ADDRESS, text="12 Allen Ave, Ikeja"),
    case("deliver to 5 Bode Thomas street", K.ADDRESS, text="5 Bode Thomas street"),
    case("my address is 3 Admiralty Way, Lekki", K.ADDRESS, text="3 Admiralty Way, Lekki"),
    case(
        "Address:\nFlat 2, Sea View Apts\nBandra West",
        K.ADDRESS,
        text="Flat 2, Sea View Apts\nBandra West",
    ),
    case(
        "Please deliver to Kilimani, Argwings Kodhek Rd",
        K.ADDRESS,
        text="Kilimani, Argwings Kodhek Rd",
    ),
    case("ok, my address is 7 Awolowo road", K.ADDRESS, text="7 Awolowo road"),
    case("address?", K.UNKNOWN),
    # Order status
    case("status", K.STATUS),
    case("where is my order", K.STATUS),
    case("Order status?", K.STATUS),
    case("track my order", K.STATUS),
    case("where my food dey?", K.STATUS),
    case("when will my food arrive", K.STATUS),
    case("how far with my order", K.STATUS),
    case("How far my order?", K.STATUS),
    case("any update on my order", K.STATUS),
    case("my food never reach", K.STATUS),
    case("rider dey where?", K.STATUS),
    case("mera order kahan hai", K.STATUS),
    case("where is my food", K.STATUS),
    case("how far, my food never reach o", K.STATUS),
    # Cancelling (the order word, not the opt-out)
    case("cancel", K.CANCEL, text="cancel"),
    case("Cancel my order", K.CANCEL, text="Cancel my order"),
    case("cancel order", K.CANCEL, text="cancel order"),
    case(
        "please cancel my order, I waited too long",
        K.CANCEL,
        text="please cancel my order, I waited too long",
    ),
    # Help and people
    case("help", K.HELP),
    case("?", K.HELP),
    case("how does this work", K.HELP),
    case("I need help", K.HELP),
    case("talk to a person", K.HUMAN, text="talk to a person"),
    case("agent", K.HUMAN),
    case("human", K.HUMAN),
    case("speak to someone", K.HUMAN),
    case("call me", K.HUMAN),
    case("I want to talk to customer care", K.HUMAN),
    # Opting out and back in: whole-message words only
    case("stop", K.STOP),
    case("STOP", K.STOP),
    case("Stop.", K.STOP),
    case("unsubscribe", K.STOP),
    case("STOPALL", K.STOP),
    case("end", K.STOP),
    case("quit", K.STOP),
    case("optout", K.STOP),
    case("revoke", K.STOP),
    case("start", K.START),
    case("UNSTOP", K.START),
    case("subscribe", K.START),
    # Nothing to read
    case("", K.EMPTY),
    case("   \n\t ", K.EMPTY),
    case("😂😂😂", K.EMPTY),
    case("🍛🍗", K.EMPTY),
    # Several changes at once, repeats, language switches
    case("remove the chapman, add 2 zobo", K.EDIT, (CHAPMAN, 0), (ZOBO, 2)),
    case("forget all that, just 1 suya", K.EDIT, (SUYA, 1)),
    case("same again", K.REPEAT),
    case("english please", K.LANGUAGE, text="en"),
    case("kiswahili tafadhali", K.LANGUAGE, text="sw"),
)
