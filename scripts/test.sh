#!/usr/bin/env bash
# Set up (idempotent), then lint, type-check and run the whole test suite. Extra args go to pytest.
# Two test processes at once (TEST_WORKERS=0: one, in pytest's own process): most of a test's time is
# spent waiting for a browser or a server, which the other process fills.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/pytest -n "${TEST_WORKERS:-2}" "$@"
