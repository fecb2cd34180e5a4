"""The CSV export streams in constant memory: peak RSS growth at 10% vs 100% of the rows.

Seeds N orders (default 1,000,000) into a temporary SQLite file in a child process, so the
seeding does not count, then streams GET /v1/orders/export through the real Flask app and
reads the process's peak RSS (getrusage) before streaming, after 10% of the rows and at the
end. Flat memory means the two growth figures are about the same.

    .venv/bin/python bench/export.py --orders 1000000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orders_core.db import Database
from orders_core.migrate import upgrade
from orders_core.settings import Settings
from webhooks.app import create_app


def _peak_rss_mib() -> float:
    """The peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(url: str, orders: int) -> str:
    """Migrate and seed the database at `url`; the API key of the seeded tenant."""
    from pagination import seed_orders

    database = Database.from_url(url)
    upgrade(database.engine)
    _, secret = seed_orders(database, orders)
    database.dispose()
    return secret


def measure(url: str, secret: str, orders: int) -> dict[str, float]:
    """Stream the export and report peak RSS growth at 10% and 100% of the rows."""
    database = Database.from_url(url)
    client = create_app(Settings(database_url=url), db=database).test_client()
    baseline = _peak_rss_mib()
    began = time.perf_counter()
    response = client.get(
        "/v1/orders/export", headers={"Authorization": f"Bearer {secret}"}, buffered=False
    )
    assert response.status_code == 200
    rows, size, at_tenth = -1, 0, None  # the header line is not a row
    for chunk in response.response:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        rows += text.count("\n")
        size += len(text)
        if at_tenth is None and rows >= orders // 10:
            at_tenth = _peak_rss_mib() - baseline
    response.close()
    elapsed = time.perf_counter() - began
    at_end = _peak_rss_mib() - baseline
    assert rows == orders, (rows, orders)
    print(f"exported {rows:,} orders ({size / 2**20:.0f} MiB of CSV) in {elapsed:.1f}s "
          f"({rows / elapsed:,.0f} rows/s)")  # fmt: skip
    print(f"peak RSS before streaming {baseline:.1f} MiB; growth at 10% of rows "
          f"{at_tenth:.1f} MiB, at 100% {at_end:.1f} MiB")  # fmt: skip
    database.dispose()
    return {"growth_10": at_tenth or 0.0, "growth_100": at_end}


def main() -> None:
    """Seed in a child process, then measure the export in this one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        print(seed(args.seed_only, args.orders))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'export.db'}"
        began = time.perf_counter()
        secret = subprocess.run(
            [sys.executable, __file__, "--orders", str(args.orders), "--seed-only", url],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        print(f"{args.orders:,} orders seeded in {time.perf_counter() - began:.1f}s")
        measure(url, secret, args.orders)


if __name__ == "__main__":
    main()
