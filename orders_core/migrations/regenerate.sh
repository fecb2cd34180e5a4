#!/usr/bin/env bash
# Rewrites the initial migration from the models (allowed until the first release ships).
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f instance/alembic-dev.db orders_core/migrations/versions/0001_initial.py
.venv/bin/alembic revision --autogenerate -m initial --rev-id 0001 >/dev/null
rm -f instance/alembic-dev.db
echo "regenerated orders_core/migrations/versions/0001_initial.py"
