"""The conversation corpus through the real signed webhook: ≥95% exact carts in every market,
no silent drops, no dead ends. The report (per market and phenomenon) is printed with -s and
by `python -m tests.bot.corpus_harness`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.corpus_harness import MARKETS, accuracy, available_markets, report, run_all

TARGET = 0.95


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list:
    """Every market's cases, run once for the module."""
    return run_all(available_markets(), Path(tmp_path_factory.mktemp("corpus")))


def test_every_market_has_its_corpus() -> None:
    assert available_markets() == MARKETS


@pytest.mark.parametrize("market", MARKETS)
def test_carts_come_out_right(outcomes: list, market: str) -> None:
    print("\n" + report(outcomes))
    misses = [f"{o.name}: {o.problems[:2]}" for o in outcomes if o.market == market and not o.ok]
    assert accuracy(outcomes, market) >= TARGET, "\n".join(misses)


def test_nothing_is_dropped_silently_and_nothing_is_a_dead_end(outcomes: list) -> None:
    assert [o.name for o in outcomes if o.silent_drop] == []
    assert [o.name for o in outcomes if o.dead_end] == []


def test_the_corpus_is_as_big_as_promised() -> None:
    from tests.bot.corpus_harness import load

    singles = sum(len(load(m)["singles"]) for m in MARKETS)
    conversations = sum(len(load(m)["conversations"]) for m in MARKETS)
    assert singles >= 600
    assert conversations >= 100
