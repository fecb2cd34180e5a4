"""The parser alone: messages per second per core against a 500-item menu.

The menu is the four corpus menus plus generated products up to 500; the messages are the
corpus's single messages (every market), read against it with every language pack active.
The catalog index is built once (as per catalog version in the app), then each message is
parsed; the figure is the median of several rounds. The index remembers the phrases it has
matched, so rounds after the first see every phrase again; with `--cold` each round reads
against a catalog never seen before (the same products under new codes), so nothing the
index remembers helps: the figure for messages unlike any before.

    .venv/bin/python bench/parser.py --rounds 5 [--cold]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.intents import CatalogEntry, Context
from bot.language.lexicon import available_packs
from bot.parser import parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "bot" / "corpus"
WORDS = (
    "spicy", "grilled", "fried", "roast", "masala", "garlic", "lemon", "pepper", "honey",
    "smoked", "crispy", "special", "house", "classic", "mini", "family", "royal", "green",
)  # fmt: skip
DISHES = (
    "wrap", "burger", "salad", "soup", "noodles", "curry", "kebab", "platter", "bowl",
    "sandwich", "tacos", "pasta", "wings", "skewers", "pie", "toast", "juice", "smoothie",
)  # fmt: skip


def catalog(size: int) -> tuple[CatalogEntry, ...]:
    """The corpus menus plus generated products, `size` in all."""
    menus = yaml.safe_load((CORPUS / "menus.yaml").read_text(encoding="utf-8"))
    entries = [
        CatalogEntry(f"prod_{m}_{i}", p["name"], tuple(p.get("aliases") or ()), p["price"] * 100)
        for m, spec in menus.items()
        for i, p in enumerate(spec["products"])
    ]
    for a in WORDS:
        for b in WORDS:
            for dish in DISHES:
                if len(entries) >= size:
                    return tuple(entries)
                if a != b:
                    entries.append(
                        CatalogEntry(f"prod_{a}_{b}_{dish}", f"{a} {b} {dish}".title(), (), 1000)
                    )
    return tuple(entries)


def messages() -> list[str]:
    """Every single message of the corpus."""
    found = []
    for path in sorted(CORPUS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [str(case["say"]) for case in data.get("singles", [])] if "singles" in data else []
    return found


def main() -> None:
    """Print messages per second, median of the rounds: by the wall clock and by CPU time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--menu", type=int, default=500)
    parser.add_argument("--cold", action="store_true", help="a catalog never seen per round")
    args = parser.parse_args()
    menu = catalog(args.menu)
    texts = messages()
    context = Context(packs=available_packs())
    parse("warm up", menu, context)
    rates, cpu_rates = [], []
    for round_number in range(args.rounds):
        if args.cold:
            menu = tuple(replace(e, code=f"{e.code}_{round_number}") for e in menu)
            parse("warm up", menu, context)  # the index is built per catalog, not per message
        start, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            parse(text, menu, context)
        rates.append(len(texts) / (time.perf_counter() - start))
        cpu_rates.append(len(texts) / max(time.process_time() - cpu, 1e-9))
    cold = ", cold (a new catalog every round)" if args.cold else ""
    print(f"menu {len(menu)} products, {len(texts)} messages, {args.rounds} rounds{cold}")
    print(
        f"parser: {statistics.median(rates):,.0f} msg/s (min {min(rates):,.0f}, max {max(rates):,.0f})"
    )
    # On a shared machine the wall clock counts the time other processes held the core.
    print(f"per CPU-second of this process: {statistics.median(cpu_rates):,.0f} msg/s")


if __name__ == "__main__":
    main()
