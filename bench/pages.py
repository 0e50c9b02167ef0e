"""The pages the snapshot benchmarks serve: Rust's std::Vec docs page, and generated docs-like pages.

`BenchSite` is the tests' local site (tests/pages and its generated pages) plus:

- `/rust-doc/...`: the HTML tree bench/setup_docs.sh unpacks from Debian's rust-doc (the script is run
  when the page is missing); `/rust-doc/std/vec/struct.Vec.html` is the large docs page;
- `/generated/sidebar.html`: a docs page with a 500-link sidebar (`sidebar_page`);
- `/generated/large.html`: a docs page of about the std::Vec page's size, in case rust-doc cannot be had.
"""

from __future__ import annotations

import html
import subprocess
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.support.site import Site

BENCH = Path(__file__).resolve().parent
SETUP_DOCS = BENCH / "setup_docs.sh"
DOCS_PREFIX = "/rust-doc/"
VEC_PAGE = "std/vec/struct.Vec.html"
SIDEBAR_PATH = "/generated/sidebar.html"
LARGE_PATH = "/generated/large.html"
SIDEBAR_LINKS = 500

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}


def docs_page(sidebar_links: int, sections: int, title: str) -> str:
    """A docs page as documentation sites make them: a site header, a sidebar of links, an article with
    sections (headings, text, code, links), a search form and a footer."""
    groups = []
    per_group = 25
    for start in range(0, sidebar_links, per_group):
        items = "".join(
            f'<li><a href="#item-{i}">module_{i // per_group}::item_{i}</a></li>'
            for i in range(start, min(start + per_group, sidebar_links))
        )
        groups.append(f"<h3>Module {start // per_group}</h3><ul>{items}</ul>")
    sidebar = (
        '<nav aria-label="Sidebar"><button type="button">Collapse all</button>'
        f'{"".join(groups)}<button type="button">Back to top</button></nav>'
    )
    article = "".join(
        f'<section id="s{i}"><h2>fn method_{i}(&amp;self, index: usize) -&gt; Option&lt;&amp;T&gt;</h2>'
        f"<p>Returns a reference to the element at position {i} of the collection, or <code>None</code> if "
        f"the index is out of bounds. See also <a href='#s{(i + 1) % max(sections, 1)}'>method_{(i + 1)}</a> "
        "and the module documentation for the guarantees this method gives.</p>"
        f"<pre><code>let v = vec![1, 2, 3];\nassert_eq!(v.method_{i}(1), Some(&amp;2));</code></pre>"
        f'<p><a href="#s{i}">Permalink</a> <a href="#src-{i}">Source</a></p></section>'
        for i in range(sections)
    )
    form = (
        '<form role="search" aria-label="Search the docs" onsubmit="event.preventDefault()">'
        '<label>Search <input type="search" name="q"></label>'
        '<label>In <select name="in"><option>All crates</option><option>std</option>'
        "<option>core</option></select></label>"
        '<label><input type="checkbox" name="exact"> Exact match</label>'
        '<button type="submit">Search</button></form>'
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{display:flex;font:14px sans-serif}nav[aria-label=Sidebar]{width:260px}"
        "main{flex:1}</style></head><body>"
        '<header><nav aria-label="Site"><a href="#home">Home</a> <a href="#guide">Guide</a> '
        '<a href="#api">API</a> <a href="#blog">Blog</a></nav></header>'
        f"{sidebar}<main><h1>{html.escape(title)}</h1>{form}<article>{article}</article></main>"
        '<footer><a href="#license">License</a> <a href="#source">Source code</a></footer></body></html>'
    )


@cache
def sidebar_page() -> bytes:
    return docs_page(SIDEBAR_LINKS, 12, "Generated docs: 500-link sidebar").encode()


@cache
def large_page() -> bytes:
    """About the size of the std::Vec page's HTML (~870 KB)."""
    return docs_page(SIDEBAR_LINKS, 1700, "Generated docs: large page").encode()


@dataclass(frozen=True)
class LargePage:
    path: str
    name: str  # as the tables say it
    html_bytes: int
    generated: bool  # the stand-in: rust-doc could not be had
    why: str = ""  # why it is the stand-in


def docs_root() -> tuple[Path | None, str]:
    """The unpacked HTML tree (running bench/setup_docs.sh if the page is missing), or why not."""
    try:
        done = subprocess.run(
            ["bash", str(SETUP_DOCS)], capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bench/setup_docs.sh could not run: {exc}"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " ".join(done.stderr.strip().splitlines()[-2:])
        return None, f"bench/setup_docs.sh failed (status {done.returncode}): {tail}"
    root = Path(lines[-1]) / "html"
    if not (root / VEC_PAGE).is_file():
        return None, f"bench/setup_docs.sh left no {VEC_PAGE} under {root}"
    return root, ""


class BenchSite(Site):
    """The tests' site, plus the docs tree and the generated docs pages."""

    def __init__(self, docs: Path | None = None) -> None:
        self.docs = docs.resolve() if docs is not None else None
        super().__init__()

    def large_page(self, why: str = "") -> LargePage:
        """The std::Vec page, or the generated stand-in when the docs tree is missing."""
        if self.docs is not None:
            size = (self.docs / VEC_PAGE).stat().st_size
            return LargePage(DOCS_PREFIX + VEC_PAGE, f"std::Vec docs ({size // 1000} KB)", size, False)
        size = len(large_page())
        return LargePage(
            LARGE_PATH, f"generated docs ({size // 1000} KB; rust-doc unavailable)", size, True, why
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self
        tests_handler = super()._handler()

        class Handler(tests_handler):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                found = site._bench_file(path)
                if found is None:
                    super().do_GET()
                    return
                status, kind, body = found
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _bench_file(self, path: str) -> tuple[int, str, bytes] | None:
        if path == SIDEBAR_PATH:
            return 200, _TYPES[".html"], sidebar_page()
        if path == LARGE_PATH:
            return 200, _TYPES[".html"], large_page()
        if not path.startswith(DOCS_PREFIX):
            return None
        if self.docs is None:
            return 404, _TYPES[".html"], b"<!doctype html><title>Not found</title>"
        file = (self.docs / path[len(DOCS_PREFIX) :]).resolve()
        if self.docs not in file.parents or not file.is_file():
            return 404, _TYPES[".html"], b"<!doctype html><title>Not found</title>"
        return 200, _TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes()
