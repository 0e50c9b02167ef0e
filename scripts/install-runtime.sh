#!/usr/bin/env bash
# Install browser-mcp for running it (no dev tools, not editable) into a virtualenv at PREFIX.
# The Docker image is built with this script (Dockerfile, builder stage) and tests/test_deploy_files.py
# runs it too, so the image's recipe is tested. Idempotent: an existing virtualenv at PREFIX is reused.
# PYTHON picks the interpreter (default: python3; browser-mcp needs 3.11 or later).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX   (e.g. $0 /opt/browser-mcp)" >&2
    exit 2
fi
prefix="$1"
python="${PYTHON:-python3}"
project="$(cd "$(dirname "$0")/.." && pwd)"

[ -x "$prefix/bin/python" ] || "$python" -m venv "$prefix"

# Build from a clean copy of the sources: setuptools builds inside the source tree, and files left in an
# old build/ directory there would end up in the installed package.
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp "$project/pyproject.toml" "$project/README.md" "$staging/"
tar -C "$project" --exclude=__pycache__ --exclude='*.egg-info' -cf - src | tar -C "$staging" -xf -

"$prefix/bin/python" -m pip install --quiet --disable-pip-version-check "$staging"
"$prefix/bin/browser-mcp" --help >/dev/null # the entry point starts: fail the build here, not at run time
