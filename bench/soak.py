"""A soak test with kills: gunicorn and two schedulers on PostgreSQL, a steady load of chat
conversations and API writes, SIGKILLs at random moments, then an audit of the books.

Run by hand (not in CI); RELIABILITY.md records the runs and what they found.

    .venv/bin/python bench/soak.py                           # 10 minutes, 20 kills
    .venv/bin/python bench/soak.py --minutes 1 --kills 3     # a quick check
    .venv/bin/python bench/soak.py --json soak.json --keep   # keep the database to look at

It makes a fresh database `soak_<timestamp>` on the PostgreSQL server of --pg-url, runs
`chatorders migrate`, seeds the demo business (Lagos) and two more (Mumbai, Nairobi),
starts `gunicorn -w 3 'webhooks.app:create_app()'` and two `chatorders scheduler`
processes with Twilio credentials set to test values and the twilio library's HTTPS
transport tunnelled to a fake Twilio in this process (bench/soak_twilio.py: nothing leaves
the machine). While the load runs (bench/soak_traffic.py) it SIGKILLs a random gunicorn
worker (gunicorn starts another) or a scheduler (restarted here). Afterwards the
schedulers run on (at least --linger s, so the last orders' one-minute reminders fall due)
until their queue is empty, everything stops, and
bench/soak_audit.py compares the books with what the server acknowledged. It prints a
JSON summary; the exit code is 1 when there are findings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import servers
import soak_audit
from soak_markets import seed_markets
from soak_traffic import Ledger, run_load
from soak_twilio import FakeTwilio, Recorder
from sqlalchemy import create_engine, text

from orders_core.db import Database

SCHEDULER = [str(servers.BIN / "chatorders"), "scheduler"]


class Cluster:
    """gunicorn and the schedulers, started, killed, restarted and stopped by this run."""

    def __init__(self, env: dict[str, str], log_dir: Path, args: argparse.Namespace) -> None:
        self.env, self.log_dir, self.args = env, log_dir, args
        self.gunicorn: servers.Server | None = None
        self.schedulers: list[servers.Server] = []
        self.retired: list[servers.Server] = []
        self.started = 0

    def start(self) -> None:
        """gunicorn (answering) and the schedulers."""
        command = servers.product_gunicorn(self.args.workers)
        self.gunicorn = servers.launch("gunicorn", command, self.env, self.log_dir)
        self.gunicorn.wait_ready()
        self.schedulers = [self.scheduler() for _ in range(self.args.schedulers)]

    def scheduler(self) -> servers.Server:
        """A new `chatorders scheduler` process."""
        self.started += 1
        return servers.launch(f"scheduler-{self.started}", SCHEDULER, self.env, self.log_dir)

    def workers(self) -> list[int]:
        """The pids of gunicorn's live workers (its master's children)."""
        assert self.gunicorn is not None
        pid = self.gunicorn.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def kill(self, victim: str, rng: random.Random) -> dict[str, Any] | None:
        """SIGKILL a random gunicorn worker or scheduler (restarting the scheduler); what was
        killed, or None when there was nothing to kill."""
        if victim == "worker":
            pids = self.workers()
            if not pids:
                return None
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it was just replaced
                return None
            return {"what": "gunicorn worker", "pid": pid}
        slot = rng.randrange(len(self.schedulers))
        old = self.schedulers[slot]
        old.process.kill()
        old.process.wait()
        self.retired.append(old)
        self.schedulers[slot] = self.scheduler()
        return {"what": "scheduler", "pid": old.process.pid}

    def stop(self) -> None:
        """SIGTERM everything still running (SIGKILL what lingers)."""
        for server in [*self.schedulers, *([self.gunicorn] if self.gunicorn else [])]:
            server.stop()

    def problems(self) -> dict[str, int]:
        """Tracebacks per log file (a 500, or a process that died of an error)."""
        logs = [*self.schedulers, *self.retired, *([self.gunicorn] if self.gunicorn else [])]
        counts = {s.log.name: s.log_since(0).count("Traceback") for s in logs}
        return {name: n for name, n in counts.items() if n}


def kill_plan(kills: int, seconds: float, rng: random.Random) -> list[tuple[float, str]]:
    """When (seconds from the start) and what to kill: random moments inside the run, about
    two workers for each scheduler, at least one of each when there are two kills or more."""
    moments = sorted(rng.uniform(0.05, 0.95) * seconds for _ in range(kills))
    victims = ["worker" if rng.random() < 2 / 3 else "scheduler" for _ in range(kills)]
    if kills >= 2 and len(set(victims)) == 1:
        victims[rng.randrange(kills)] = "scheduler" if victims[0] == "worker" else "worker"
    return list(zip(moments, victims, strict=True))


def killer(cluster: Cluster, plan: list[tuple[float, str]], start: float, stop: threading.Event,
           rng: random.Random, done: list[dict[str, Any]]) -> None:  # fmt: skip
    """Carry out the kill plan until it ends or the load stops."""
    for moment, victim in plan:
        if stop.wait(max(0.0, start + moment - time.monotonic())):
            return
        killed = cluster.kill(victim, rng)
        while killed is None:  # gunicorn was between workers: try again in a moment
            if stop.wait(0.5):
                return
            killed = cluster.kill(victim, rng)
        done.append({**killed, "at_s": round(time.monotonic() - start, 1)})
        print(f"  {done[-1]['at_s']:>6} s: killed {killed['what']} {killed['pid']}",
              file=sys.stderr, flush=True)  # fmt: skip


def backlog(url: str) -> dict[str, int]:
    """What the schedulers still have to do: messages sending or due, outbox events."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sending = conn.execute(
                text("SELECT count(*) FROM messages WHERE status = 'sending'")
            ).scalar()
            due = conn.execute(
                text(
                    "SELECT count(*) FROM messages WHERE status = 'pending' AND "
                    "(next_attempt_at IS NULL OR next_attempt_at <= now())"
                )
            ).scalar()
            outbox = conn.execute(
                text("SELECT count(*) FROM outbox WHERE processed_at IS NULL")
            ).scalar()
    finally:
        engine.dispose()
    return {"sending": int(sending or 0), "pending_due": int(due or 0), "outbox": int(outbox or 0)}


def settle(url: str, linger: float, limit: float) -> tuple[float, dict[str, int]]:
    """Let the schedulers run on for `linger` s (reminders of the last orders fall due), then
    until they have nothing left twice in a row, `limit` s in all at most; (seconds waited,
    the backlog at the end)."""
    start = time.monotonic()
    quiet = 0
    left = backlog(url)
    while time.monotonic() - start < limit:
        left = backlog(url)
        quiet = quiet + 1 if not any(left.values()) else 0
        if quiet >= 2 and time.monotonic() - start >= linger:
            break
        time.sleep(3)
    return round(time.monotonic() - start, 1), left


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="load time (10)")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs during the load (20)")
    parser.add_argument("--chatters", type=int, default=6, help="customers chatting at once (6)")
    parser.add_argument("--clerks", type=int, default=2, help="API clients at once (2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn -w (3)")
    parser.add_argument("--schedulers", type=int, default=2, help="scheduler processes (2)")
    parser.add_argument("--settle", type=float, default=900.0,
                        help="at most this many seconds for the schedulers to finish (900)")  # fmt: skip
    parser.add_argument("--linger", type=float, default=75.0,
                        help="seconds the schedulers run on after the load, at least (75)")  # fmt: skip
    parser.add_argument("--twilio-errors", type=float, default=0.02,
                        help="share of sends the fake Twilio answers 503 (0.02)")  # fmt: skip
    parser.add_argument("--twilio-latency", type=float, default=0.15,
                        help="seconds the fake Twilio takes to answer a send (0.15)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the soak database")
    parser.add_argument("--json", type=Path, help="write the summary and the ledger here")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the summary; 1 when the audit found anything."""
    args = arguments(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    rng = random.Random(seed)
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    database = servers.postgres_database(args.pg_url, f"soak_{stamp}")
    url = database.url.replace("postgresql://", "postgresql+psycopg://", 1)
    recorder = Recorder(
        servers.ACCOUNT_SID, servers.TOKEN, args.twilio_errors, seed, args.twilio_latency
    )
    work = tempfile.TemporaryDirectory(prefix="soak-")
    log_dir = args.logs or Path(work.name)
    log_dir.mkdir(parents=True, exist_ok=True)
    fake = FakeTwilio(Path(work.name), recorder)
    fake.start()
    env = {**servers.product_env(database, twilio=True, redis_url=None), **fake.env()}
    cluster = Cluster(env, log_dir, args)
    ledger, kills = Ledger(), []
    try:
        subprocess.run([str(servers.BIN / "chatorders"), "migrate"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        db = Database.from_url(url)
        with db.write() as session:
            shops = seed_markets(session)
        db.dispose()
        cluster.start()
        seconds = args.minutes * 60
        plan = kill_plan(args.kills, seconds, rng)
        stop = threading.Event()
        settings = {"seed": rng.random(), "token": servers.TOKEN, "public_url": servers.PUBLIC_URL,
                    "chatters": args.chatters, "clerks": args.clerks}  # fmt: skip
        assert cluster.gunicorn is not None
        load = threading.Thread(target=run_load,
                                args=(cluster.gunicorn.port, shops, settings, ledger, stop))  # fmt: skip
        start = time.monotonic()
        hunter = threading.Thread(target=killer, args=(cluster, plan, start, stop, rng, kills))
        print(f"soak: seed {seed}, {args.minutes:g} min, {args.kills} kills planned",
              file=sys.stderr, flush=True)  # fmt: skip
        load.start()
        hunter.start()
        stop.wait(seconds)
        stop.set()
        hunter.join()
        load.join()
        loaded = round(time.monotonic() - start, 1)
        waited, left = settle(url, args.linger, args.settle)
        cluster.stop()
        books = soak_audit.load_books(url, {m: s["tenant_id"] for m, s in shops.items()},
                                      recorder.sends)  # fmt: skip
        findings = soak_audit.audit(books, ledger.as_json())
        findings += [f"the fake Twilio refused: {what}" for what in recorder.refused]
        summary = {
            "command": shlex.join([".venv/bin/python", "bench/soak.py", *(argv or sys.argv[1:])]),
            "seed": seed,
            "database": database.url.rsplit("/", 1)[-1],
            "load_seconds": loaded,
            "settle_seconds": waited,
            "left_after_settle": left,
            "requests": dict(ledger.requests),
            "requests_total": sum(ledger.requests.values()),
            "outcomes": dict(ledger.outcomes),
            "conversations": len({f["phone"] for f in ledger.inbound.values()}),
            "inbound_sids": len(ledger.inbound),
            "copies_delivered": sum(len(f["answers"]) for f in ledger.inbound.values()),
            "chat_orders_placed": len(ledger.chat_orders),
            "api_orders_acknowledged": sum(
                1 for f in ledger.api_orders.values() if f["acknowledged"]
            ),
            "status_changes": len(ledger.status_changes),
            "payments": len(ledger.payments),
            "orders_in_database": len(books.orders),
            "twilio_sends": len(recorder.sends),
            "twilio_503s_injected": recorder.injected_errors,
            "twilio_lookups": recorder.lookups,
            "outbound_by_status": soak_audit.tally(books, "status"),
            "outbound_by_kind": soak_audit.tally(books, "kind"),
            "kills": kills,
            "kills_done": len(kills),
            "log_tracebacks": cluster.problems(),
            "findings": findings,
        }
    finally:
        cluster.stop()
        fake.stop()
        if not args.keep:
            database.drop()
        if args.logs is None:
            work.cleanup()
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(
            json.dumps(
                {**summary, "ledger": ledger.as_json(), "twilio": recorder.sends},
                indent=2,
                default=str,
            )
        )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
