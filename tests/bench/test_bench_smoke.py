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


def test_pagination_and_export_benchmarks_run(tmp_path: Path) -> None:
    """bench/pagination.py and bench/export.py at tiny sizes print their figures."""
    runs = {
        "pagination.py": ["--orders", "300", "--page", "3", "--repeats", "2"],
        "export.py": ["--orders", "500"],
    }
    for script, args in runs.items():
        command = [sys.executable, str(ROOT / "bench" / script), *args]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (script, done.stderr[-3000:])
        assert ("ratio" if script == "pagination.py" else "exported 500 orders") in done.stdout
