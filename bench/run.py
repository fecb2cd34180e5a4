"""Throughput of the real servers against a floor app, in one run (issue 9).

For each database it makes a fresh one (PostgreSQL: `bench_run`; SQLite: a temporary
file), runs `chatorders migrate`, seeds businesses with the product's own services, starts
the product as the README does (gunicorn, or `chatorders serve` on SQLite) and the floor
app (bench/floor.py) under the same server, then alternates product and floor rounds of
the load generator (bench/load.py, its own process) and prints target | chatorders |
floor | ratio.

    .venv/bin/python bench/run.py                      # everything, about 10 minutes
    .venv/bin/python bench/run.py --rounds 2 --json figures.json
    .venv/bin/python bench/run.py --only webhook-pg,api-pg --duration 5
    .venv/bin/python bench/run.py --smoke --no-postgres   # tiny sizes, seconds
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import report
import scenarios
import servers
from load import measure
from report import Row

BUNDLES = ("webhook-pg", "rate-pg", "api-pg", "webhook-sqlite", "webhook-serve")
SMOKE = {
    "rounds": 1,
    "duration": 1.0,
    "concurrency": "2",
    "api_concurrency": 2,
    "rate": 20.0,
    "rate_duration": 2.0,
    "drain": 10.0,
    "customers": 4,
    "tenants": 2,
    "workers": 2,
    "warmup": 0.0,
}


@dataclass(frozen=True)
class Measurement:
    """One side of one benchmark: which server, which scenario, how hard."""

    name: str
    side: str  # "product" or "floor"
    kind: str  # a scenarios.KINDS
    mode: str  # "concurrency" or "rate"
    level: float
    idempotent: bool = False


@dataclass(frozen=True)
class Bundle:
    """Measurements run one after another in every round (order flipped every other round)."""

    measurements: tuple[Measurement, ...]
    rounds: int


@dataclass(frozen=True)
class Group:
    """A database and its two servers, with what to run against them."""

    name: str  # "pg", "sqlite" or "serve"
    bundles: tuple[Bundle, ...]


def pair(prefix: str, kind: str, mode: str, level: float) -> tuple[Measurement, Measurement]:
    """The product and floor sides of one benchmark."""
    return (
        Measurement(f"{prefix}/product", "product", kind, mode, level),
        Measurement(f"{prefix}/floor", "floor", kind, mode, level),
    )


def plan(args: argparse.Namespace, selected: set[str]) -> tuple[list[Group], list[Row]]:
    """The groups to run and the table rows they fill, as the flags say."""
    levels = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    groups: list[Group] = []
    rows: list[Row] = []
    goal = "≥ 50% of floor, zero errors"
    for name, key, title in (
        ("pg", "webhook-pg", "PostgreSQL"),
        ("sqlite", "webhook-sqlite", f"SQLite (gunicorn -w {args.workers})"),
        ("serve", "webhook-serve", "SQLite (`chatorders serve`)"),
    ):
        bundles = []
        if key in selected:
            for c in levels:
                product, floor = pair(f"{name}/webhook/c{c}", "webhook", "concurrency", c)
                bundles.append(Bundle((product, floor), args.rounds))
                label = f"inbound webhook, {title}, {c} concurrent"
                rows.append(Row(label, "msg/s", goal, product.name, floor.name))
        if name == "pg" and "rate-pg" in selected:
            product, floor = pair("pg/rate", "webhook", "rate", args.rate)
            bundles.append(Bundle((product, floor), args.rate_rounds))
            label = f"offered {args.rate:g} msg/s for {args.rate_duration:g} s, PostgreSQL"
            goal_rate = "served 100 msg/s, p99 ≤ 50 ms"
            rows.append(Row(label, "msg/s", goal_rate, product.name, floor.name, args.rate))
        if name == "pg" and "api-pg" in selected:
            c = args.api_concurrency
            plain = Measurement("pg/api/create", "product", "api_create", "concurrency", c)
            keyed = Measurement(
                "pg/api/create-idem", "product", "api_create", "concurrency", c, True
            )
            floor = Measurement("pg/api/floor", "floor", "api_create", "concurrency", c)
            reads = Measurement("pg/api/read", "product", "api_read", "concurrency", c)
            bundles.append(Bundle((plain, keyed, floor), args.rounds))
            bundles.append(Bundle((reads,), args.rounds))
            label = f"POST /v1/orders (3 catalog items), PostgreSQL, {c} concurrent"
            rows.append(Row(label, "req/s", "≥ 50% of API floor", plain.name, floor.name))
            label = f"POST /v1/orders with a unique Idempotency-Key, PostgreSQL, {c} concurrent"
            rows.append(Row(label, "req/s", "≥ 40% of API floor", keyed.name, floor.name))
            label = f"GET /v1/orders (page of 25) then one order, PostgreSQL, {c} concurrent"
            rows.append(Row(label, "req/s", "—", reads.name, None))
        if bundles:
            groups.append(Group(name, tuple(bundles)))
    return groups, rows


class Session:
    """One group's database, servers and seeded businesses, while they run."""

    def __init__(
        self, group: Group, args: argparse.Namespace, log_dir: Path, series: count[int]
    ) -> None:
        self.group, self.args, self.log_dir = group, args, log_dir
        self.series = series  # numbers every load run, so customers and keys never repeat
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.notes: list[str] = []
        self.tenants: list[dict[str, Any]] = []
        self.servers: dict[str, servers.Server] = {}
        self.orders_known = False
        self.stored: dict[str, int] = {}

    def run(self) -> None:
        """Set up, run every round, count what the product stored, tear down."""
        args, name = self.args, self.group.name
        if name == "pg":
            database = servers.postgres_database(args.pg_url, args.pg_database)
        else:
            database = servers.sqlite_database(name)
        try:
            env = servers.product_env(database, twilio=name != "serve", redis_url=args.redis_url)
            servers.migrate(env)
            self.tenants = servers.seed(database, args.tenants)
            if name == "serve":
                product, floor = servers.product_serve(), servers.floor_threaded()
            else:
                product = servers.product_gunicorn(args.workers)
                floor = servers.floor_gunicorn(args.workers)
            commands = {"product": product, "floor": floor}
            self.servers = servers.start_all(commands, env, self.log_dir, name)
            self.rounds()
            self.stored = {
                table: int(database.scalar(f"SELECT count(*) FROM {table}"))
                for table in ("messages", "orders", "floor_messages")
            }
            self.notes.append(
                f"{name}: the product stored {self.stored['messages']:,} messages (in and out) "
                f"and {self.stored['orders']:,} orders; the floor "
                f"{self.stored['floor_messages']:,} messages"
            )
        finally:
            for server in self.servers.values():
                server.stop()
            database.drop()

    def rounds(self) -> None:
        """Warm both servers up, then every bundle's rounds, product and floor alternating."""
        if self.args.warmup > 0:
            kinds = {m.kind for bundle in self.group.bundles for m in bundle.measurements}
            for kind in sorted(kinds & {"webhook", "api_create"}):
                for side in ("product", "floor"):
                    warm = Measurement("warmup", side, kind, "concurrency", self.args.workers)
                    self.measure(warm, self.args.warmup)
        total = max(bundle.rounds for bundle in self.group.bundles)
        for r in range(total):
            for bundle in self.group.bundles:
                if r >= bundle.rounds:
                    continue
                order = bundle.measurements[:: 1 if r % 2 == 0 else -1]
                for m in order:
                    result = self.measure(m, self.duration(m))
                    self.results.setdefault(m.name, []).append(result)
                    progress(f"round {r + 1}/{bundle.rounds}", m, result)

    def duration(self, m: Measurement) -> float:
        """Seconds of load for a measurement."""
        return self.args.rate_duration if m.mode == "rate" else self.args.duration

    def measure(self, m: Measurement, duration: float) -> dict[str, Any]:
        """Run the load generator once against the measurement's server; its result, with
        signs of trouble from the server's log counted among the errors."""
        server = self.servers[m.side]
        if m.kind == "api_read" and not self.orders_known:
            self.learn_orders(server)
        spec = {
            "base_url": server.base_url,
            "mode": m.mode,
            "concurrency": int(m.level),
            "rate": m.level,
            "customers": self.args.customers or max(int(m.level * 2), 2),
            "duration": duration,
            "drain": self.args.drain,
            "scenario": scenarios.scenario(
                m.kind,
                self.tenants,
                series=next(self.series),
                public_url=servers.PUBLIC_URL,
                token=servers.TOKEN,
                idempotent=m.idempotent,
            ),
        }
        mark = server.log_size()
        result = measure(spec)
        server.wait_ready()
        logged = server.log_since(mark)
        problems = report.log_problems(logged)
        result["errors"] = dict(Counter(result["errors"]) + problems)
        if problems:
            first = min(logged.find(sign) for sign in report.LOG_SIGNS if sign in logged)
            result["log_excerpt"] = logged[max(first - 200, 0) : first + 2500]
        return result

    def learn_orders(self, server: servers.Server) -> None:
        """Ask the product (GET /v1/orders) for each business's order ids, to retrieve them."""
        for tenant in self.tenants:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            try:
                headers = {"Authorization": f"Bearer {tenant['key']}"}
                conn.request("GET", "/v1/orders?limit=50", headers=headers)
                page = json.loads(conn.getresponse().read())
            finally:
                conn.close()
            tenant["orders"] = [order["id"] for order in page.get("data", [])]
        self.orders_known = True


def progress(where: str, m: Measurement, result: dict[str, Any]) -> None:
    """One line per finished measurement on stderr."""
    figures = report.summary([result])
    errors = sum(result["errors"].values())
    print(
        f"  {where} {m.name}: {figures['throughput']:,.1f}/s, "
        f"p99 {report.latency(figures['latency_ms']['p99'])}, {result['requests']:,} requests, "
        f"{errors} errors {result['errors'] or ''}(generator CPU {result['cpu_s']:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line; --smoke makes its tiny sizes the defaults (flags still win)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BUNDLES)}")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each side (3)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round (8)")
    parser.add_argument("--concurrency", default="8,32", help="webhook levels (8,32)")
    parser.add_argument("--api-concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=100.0, help="offered msg/s (100)")
    parser.add_argument("--rate-duration", type=float, default=60.0)
    parser.add_argument("--rate-rounds", type=int, default=1)
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds to wait for answers after the last offered request")  # fmt: skip
    parser.add_argument("--customers", type=int, help="customers in flight at a fixed rate")
    parser.add_argument("--tenants", type=int, default=12, help="businesses (12)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn -w (3)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per server")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="bench_run")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--redis-url", help="REDIS_URL for the product (unset by default)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds, not minutes")
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**SMOKE)
        args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the selected benchmarks; print the machine, the table and any errors."""
    args = arguments(argv)
    selected = set(args.only.split(",")) if args.only else set(BUNDLES)
    if unknown := selected - set(BUNDLES):
        raise SystemExit(f"unknown --only {sorted(unknown)}; choose from {','.join(BUNDLES)}")
    postgres = None if args.no_postgres else servers.postgres_version(args.pg_url)
    skipped = []
    if postgres is None and any(key.endswith("-pg") for key in selected):
        skipped = sorted(key for key in selected if key.endswith("-pg"))
        selected -= set(skipped)
    info = report.machine(postgres, args.workers)
    groups, rows = plan(args, selected)
    results: dict[str, list[dict[str, Any]]] = {}
    stored: dict[str, dict[str, int]] = {}
    notes = [f"skipped (no PostgreSQL): {', '.join(skipped)}"] if skipped else []
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as tmp:
        log_dir = args.logs or Path(tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        series = count(1)
        for group in groups:
            print(f"{group.name}:", file=sys.stderr, flush=True)
            session = Session(group, args, log_dir, series)
            session.run()
            results.update(session.results)
            stored[group.name] = session.stored
            notes += session.notes
    figures = {name: report.summary(rounds) for name, rounds in results.items()}
    text, data = report.table(rows, figures)
    command = shlex.join([".venv/bin/python", "bench/run.py", *(argv or sys.argv[1:])])
    print(f"\n`{command}`, {report.machine_line(info)}\n\n{text}\n")
    for note in notes:
        print(f"- {note}")
    problems = {n: f["errors"] for n, f in figures.items() if f["errors"]}
    for name, errors in problems.items():
        print(f"- errors in {name}: {errors}")
    excerpts = {n: r["log_excerpt"] for n, rs in results.items() for r in rs if "log_excerpt" in r}
    for name, excerpt in excerpts.items():
        print(f"\n--- {name}: server log ---\n{excerpt}")
    print(f"- load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        payload = {
            "command": command,
            "machine": info,
            "config": vars(args),
            "rows": data,
            "measurements": figures,
            "stored": stored,
            "notes": notes,
            "log_excerpts": excerpts,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str), "utf-8")


if __name__ == "__main__":
    main()
