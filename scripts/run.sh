#!/usr/bin/env bash
# Set up (idempotent), then run browser-mcp with the given options (default: stdio, embedded Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
exec .venv/bin/browser-mcp "$@"
