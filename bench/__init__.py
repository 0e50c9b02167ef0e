"""Benchmarks: latency of browser-mcp tools next to the raw Playwright calls they make."""
