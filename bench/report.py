"""Figures from the load generator's rounds: summaries, the table, the machine it ran on."""

from __future__ import annotations

import os
import platform
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from load import summarize

# Server log lines that mean trouble even when every answer was a 2xx.
LOG_SIGNS = ("database is locked", "Traceback", "WORKER TIMEOUT")


@dataclass(frozen=True)
class Row:
    """One line of the table: a product measurement against its floor (if any)."""

    label: str
    unit: str
    goal: str
    product: str
    floor: str | None
    offered: float | None = None


def log_problems(text: str) -> Counter[str]:
    """How often each sign of trouble appears in a server's log output."""
    return Counter({f"log: {sign}": text.count(sign) for sign in LOG_SIGNS if sign in text})


def throughput(result: dict[str, Any]) -> float:
    """Successful requests per second of one round."""
    return result["ok"] / result["elapsed"] if result["elapsed"] > 0 else 0.0


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A measurement over its rounds: median, lowest and highest rate, pooled latency
    percentiles (ms), request and error counts by kind."""
    rates = [throughput(r) for r in rounds]
    latencies = [value for r in rounds for value in r["latencies_ms"]]
    errors: Counter[str] = Counter()
    for r in rounds:
        errors.update(r["errors"])
    return {
        "rounds": len(rounds),
        "per_round": [round(rate, 2) for rate in rates],
        "throughput": statistics.median(rates) if rates else 0.0,
        "low": min(rates, default=0.0),
        "high": max(rates, default=0.0),
        "latency_ms": summarize(latencies, sum(r["unfinished"] for r in rounds)),
        "requests": sum(r["requests"] for r in rounds),
        "errors": dict(errors),
        "max_lag_ms": max((r["max_lag_ms"] for r in rounds), default=0.0),
        "generator_cpu_s": round(sum(r["cpu_s"] for r in rounds), 2),
    }


def ratio(product: dict[str, Any], floor: dict[str, Any]) -> float | None:
    """The product's share of the floor: the median of round-by-round ratios (each round
    pairs runs made minutes apart on the same machine)."""
    pairs = [p / f for p, f in zip(product["per_round"], floor["per_round"], strict=False) if f]
    return statistics.median(pairs) if pairs else None


def latency(ms: float | None) -> str:
    """A latency for the table; None means the rank fell among unanswered requests."""
    if ms is None:
        return "unanswered"
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.1f} s"


def cell(figures: dict[str, Any], row: Row) -> str:
    """One side's figures: rate (range over rounds), p99, errors if any."""
    rate = figures["throughput"]
    text = f"{rate:,.0f} {row.unit}"
    if row.offered is not None:
        text = f"served {rate:,.1f} of {row.offered:g} {row.unit}"
    elif figures["rounds"] > 1:
        text += f" ({figures['low']:,.0f}–{figures['high']:,.0f})"
    text += f", p99 {latency(figures['latency_ms']['p99'])}"
    errors = sum(figures["errors"].values())
    return text + (f", **{errors:,} errors**" if errors else "")


def table(rows: list[Row], figures: dict[str, dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The Markdown table of every row measured, and the same rows as data."""
    lines = [
        "| target | chatorders | floor | ratio | goal |",
        "|---|---|---|---:|---|",
    ]
    data = []
    for row in rows:
        if row.product not in figures:
            continue
        product = figures[row.product]
        floor = figures.get(row.floor) if row.floor else None
        share = ratio(product, floor) if floor else None
        lines.append(
            f"| {row.label} | {cell(product, row)} | {cell(floor, row) if floor else '—'} "
            f"| {'—' if share is None else f'{share:.0%}'} | {row.goal} |"
        )
        data.append(
            {
                "target": row.label,
                "unit": row.unit,
                "goal": row.goal,
                "product": product,
                "floor": floor,
                "ratio": share,
            }
        )
    return "\n".join(lines), data


def machine(postgres: str | None, workers: int) -> dict[str, Any]:
    """Where and when it ran."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": postgres,
        "gunicorn_workers": workers,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(info: dict[str, Any]) -> str:
    """The machine in one line."""
    pg = f"PostgreSQL {info['postgresql']}" if info["postgresql"] else "no PostgreSQL"
    load = " ".join(f"{x:.2f}" for x in info["load_average"])
    return (
        f"{info['date']}: {info['cpus']} CPUs, Python {info['python']}, {pg}, "
        f"gunicorn -w {info['gunicorn_workers']}, load average {load} at the start"
    )
