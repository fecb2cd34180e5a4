"""The benchmark harness (bench/run.py) at tiny sizes: it runs end to end without errors.

SQLite always (gunicorn and `chatorders serve`); PostgreSQL too when TEST_DATABASE_URL is
set, in a database of its own on that server (created and dropped; the test database's
tables are not touched). No timing is asserted: only that every target was measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")


def run_smoke(tmp_path: Path) -> tuple[dict[str, Any], str]:
    """Run `bench/run.py --smoke`; its JSON figures and its printed report."""
    figures = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--json", str(figures)]
    if PG_URL:
        command += ["--pg-url", PG_URL, "--pg-database", f"bench_smoke_{os.getpid()}"]
    else:
        command.append("--no-postgres")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-5000:]
    return json.loads(figures.read_text("utf-8")), done.stdout


def test_smoke_run_measures_every_target_without_errors(tmp_path: Path) -> None:
    figures, printed = run_smoke(tmp_path)

    labels = [row["target"] for row in figures["rows"]]
    expected = ["SQLite (gunicorn", "SQLite (`chatorders serve`)"]
    if PG_URL:
        expected += ["inbound webhook, PostgreSQL", "offered", "POST /v1/orders",
                     "Idempotency-Key", "GET /v1/orders"]  # fmt: skip
    for part in expected:
        assert any(part in label for label in labels), (part, labels)
    for row in figures["rows"]:
        sides = [row["product"]] + ([row["floor"]] if row["floor"] else [])
        for side in sides:
            assert side["requests"] > 0, row
            assert side["errors"] == {}, row
            assert side["throughput"] > 0, row
            assert side["latency_ms"]["p50"] is not None, row
        if row["floor"]:
            assert row["ratio"] > 0, row
        assert f"| {row['target']} |" in printed
    assert "| target | chatorders | floor | ratio | goal |" in printed
    for group, stored in figures["stored"].items():
        assert stored["messages"] > 0, group
        assert stored["floor_messages"] > 0, group
