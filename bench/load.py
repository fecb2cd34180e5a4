"""The load generator: its own process, plain threads and http.client, two modes.

- fixed concurrency (closed loop): N workers, each takes the next flow (a customer's walk,
  an API call) and sends its requests back to back until the time is up; latency is from
  send to answer.
- fixed offered rate (open loop): request i is due at start + i/rate whatever the server
  does; flow k's requests go in order (a customer waits for the answer before the next
  message, later ones queue behind it), and latency is measured from the time a request was
  due, not from when it went out, so queueing shows (no coordinated omission). Requests
  still unanswered `drain` seconds after the last one was due are counted as unfinished.

    echo '<spec JSON>' | .venv/bin/python bench/load.py      # prints the result as JSON

`measure(spec)` does that from another script. The spec: base_url, mode ("concurrency" or
"rate"), concurrency, rate, customers (flows in flight in rate mode), duration, drain,
timeout, and a scenario from scenarios.scenario().
"""

from __future__ import annotations

import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scenarios
from scenarios import Request

MAX_THREADS = 256


class Tally:
    """Latencies and outcomes, shared by the sending threads."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.ok = 0
        self.done = 0
        self.last = 0.0
        self._lock = threading.Lock()

    def add(self, started: float, error: str | None) -> None:
        """Record one answered (or failed) request that was due or sent at `started`."""
        now = time.perf_counter()
        with self._lock:
            self.done += 1
            self.last = now
            if error is None:
                self.ok += 1
                self.latencies.append(now - started)
            else:
                self.errors[error] += 1


class Sender:
    """One keep-alive connection per thread, reopened whenever the server closes it."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def send(self, request: Request) -> str | None:
        """Send `request` and read the whole answer; None for a 2xx, else the kind of error."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        try:
            conn.request(request.method, request.path, request.body or None, request.headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            return type(exc).__name__
        return None if 200 <= response.status < 300 else f"HTTP {response.status}"


def closed_loop(spec: dict[str, Any], sender: Sender, tally: Tally) -> float:
    """Run `concurrency` workers until `duration` is up; the seconds it took."""
    scenario = spec["scenario"]
    flows = count()
    start = time.perf_counter()
    deadline = start + spec["duration"]

    def worker() -> None:
        while time.perf_counter() < deadline:
            for request in scenarios.flow(scenario, next(flows)):
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                tally.add(sent, sender.send(request))

    threads = [threading.Thread(target=worker) for _ in range(spec["concurrency"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(tally.last, deadline) - start


def open_loop(spec: dict[str, Any], sender: Sender, tally: Tally) -> tuple[float, int, float]:
    """Offer `rate` requests a second for `duration`; (seconds, unfinished, max lag in s).

    `customers` flows are in flight at once, each getting its next request every
    customers/rate seconds; request i belongs to flow block*customers + i % customers.
    """
    scenario = spec["scenario"]
    rate, customers = float(spec["rate"]), int(spec["customers"])
    per_flow = scenarios.steps(scenario)
    total = int(rate * spec["duration"])
    queues: dict[int, deque[tuple[float, Request]]] = {}
    built: dict[int, list[Request]] = {}
    lock = threading.Lock()
    lag = 0.0
    start = time.perf_counter()
    stop = start + spec["duration"] + spec["drain"]
    pool = ThreadPoolExecutor(max_workers=min(customers, MAX_THREADS))

    def drain(k: int) -> None:
        while True:
            with lock:
                queue = queues[k]
                if not queue or time.perf_counter() > stop:
                    del queues[k]
                    return
                due, request = queue.popleft()
            tally.add(due, sender.send(request))

    for i in range(total):
        block, within = divmod(i, customers * per_flow)
        step, slot = divmod(within, customers)
        k = block * customers + slot
        if step == 0:
            built[k] = scenarios.flow(scenario, k)
        request = built[k][step] if step < per_flow - 1 else built.pop(k)[step]
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        lag = max(lag, time.perf_counter() - due)
        with lock:
            idle = k not in queues
            queues.setdefault(k, deque()).append((due, request))
        if idle:
            pool.submit(drain, k)
    while tally.done < total and time.perf_counter() < stop:
        time.sleep(0.05)
    pool.shutdown(wait=False, cancel_futures=True)
    end = tally.last if tally.done == total else stop
    return max(end - start, spec["duration"]), total - tally.done, lag


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Drive the server as `spec` says; counts, errors by kind, elapsed s, latencies in ms and
    the CPU seconds this process used (to see that the generator stays cheap)."""
    sender = Sender(spec["base_url"], spec.get("timeout", 60.0))
    tally = Tally()
    unfinished, lag = 0, 0.0
    if spec["mode"] == "concurrency":
        elapsed = closed_loop(spec, sender, tally)
    elif spec["mode"] == "rate":
        elapsed, unfinished, lag = open_loop(spec, sender, tally)
    else:
        raise ValueError(f"unknown mode {spec['mode']!r}")
    errors = dict(tally.errors)
    if unfinished:
        errors["unfinished"] = unfinished
    return {
        "cpu_s": round(time.process_time(), 2),
        "requests": tally.done + unfinished,
        "ok": tally.ok,
        "errors": errors,
        "unfinished": unfinished,
        "elapsed": elapsed,
        "max_lag_ms": round(lag * 1000, 2),
        "latencies_ms": [round(s * 1000, 3) for s in tally.latencies],
    }


def percentile(values: list[float], fraction: float, missing: int = 0) -> float | None:
    """Nearest-rank percentile of sorted `values` plus `missing` never-answered ones (None
    when the rank falls among those)."""
    total = len(values) + missing
    if total == 0:
        return None
    rank = max(math.ceil(fraction * total), 1)
    return values[rank - 1] if rank <= len(values) else None


def summarize(latencies_ms: list[float], unfinished: int = 0) -> dict[str, float | None]:
    """p50, p90, p99 and max of the latencies (ms); unfinished requests rank above them all."""
    values = sorted(latencies_ms)
    return {
        "p50": percentile(values, 0.50, unfinished),
        "p90": percentile(values, 0.90, unfinished),
        "p99": percentile(values, 0.99, unfinished),
        "max": None if unfinished or not values else values[-1],
    }


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the generator in its own process on `spec` and return its result."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    """Read a spec on stdin, run it, print the result as JSON on stdout."""
    result = run(json.load(sys.stdin))
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    # Threads still waiting on an unfinished request must not hold the process open.
    os._exit(0)


if __name__ == "__main__":
    main()
