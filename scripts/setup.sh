#!/usr/bin/env bash
# Idempotent set-up on Debian: system packages, a virtualenv in .venv, the package and its dev tools.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v Xvfb >/dev/null 2>&1 || packages+=(xvfb)
command -v xdotool >/dev/null 2>&1 || packages+=(xdotool)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if ((${#packages[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${packages[*]} with apt-get" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# Reinstall only when the dependencies changed.
stamp=.venv/.browser-mcp-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing browser-mcp and its dev tools into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$wanted" >"$stamp"
fi

# Node tools the tests drive (the real OpenCode), pinned by package-lock.json.
node_stamp=node_modules/.browser-mcp-installed
node_wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$node_stamp" ] || [ "$(cat "$node_stamp")" != "$node_wanted" ]; then
    echo "setup: installing the pinned Node test tools into node_modules" >&2
    # npm ci rejects this lock file (npm records only the optional platform binary it fetched), so install.
    npm install --no-audit --no-fund --loglevel=error
    echo "$node_wanted" >"$node_stamp"
fi

# Byte-compile the package now: with PYTHONDONTWRITEBYTECODE set (as on CI machines) Python would
# compile its ~12,000 lines again at every server start.
.venv/bin/python -m compileall -q src >/dev/null
