# browser-mcp serving MCP over Streamable HTTP on port 8931 (http://HOST:8931/mcp).
#
# The image holds no browser: it attaches over CDP to a Chromium that a person watches, such as
# neko's (compose.yaml runs both). Bundling Chromium would more than double the image's size for a
# browser nobody would see.
#
#   docker build -t browser-mcp .
#   docker run -e BROWSER_MCP_TOKEN=... -e BROWSER_MCP_CDP_URL=http://127.0.0.1:9222 browser-mcp
#
# Chromium's CDP port answers on 127.0.0.1 only, so run the container in the browser's network
# namespace (compose: network_mode "service:neko"; docker run: --network container:NAME).
# Every option is an environment variable BROWSER_MCP_<OPTION> (see README.md); extra arguments
# after the image name are passed to browser-mcp.

FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY scripts/install-runtime.sh ./scripts/
# The install script CI runs too (tests/test_deploy_files.py), so this recipe is tested.
RUN ./scripts/install-runtime.sh /opt/browser-mcp

FROM python:3.11-slim-bookworm

RUN groupadd --system --gid 10001 browser-mcp \
    && useradd --system --no-log-init --uid 10001 --gid browser-mcp --create-home browser-mcp
COPY --from=builder /opt/browser-mcp /opt/browser-mcp

# Listens on all interfaces of its network namespace, so a token is required: without
# BROWSER_MCP_TOKEN the server refuses to start and says so.
ENV PATH="/opt/browser-mcp/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BROWSER_MCP_HOST=0.0.0.0 \
    BROWSER_MCP_PORT=8931 \
    BROWSER_MCP_CDP_URL=http://127.0.0.1:9222

USER 10001:10001
WORKDIR /home/browser-mcp
EXPOSE 8931

# /healthz needs no token and does not touch the browser; slim images have no curl, so Python's stdlib.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BROWSER_MCP_PORT', '8931') + '/healthz', timeout=4)"]

ENTRYPOINT ["browser-mcp", "--transport", "http"]
