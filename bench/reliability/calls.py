"""Generating calls from a tool's inputSchema; the mixed calls of the HTTP clients and the soak."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from tests.support.site import PAGES, Site

from bench.reliability.common import HUGE, UNICODE_TEXTS, UPLOAD_FILE, WAIT_CAP_S, WAIT_PARAMETERS, Sites

# ---- generating calls from a tool's inputSchema ----------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    integer: bool


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return resolved
    return schema


def non_null(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The schema without its `null` alternative (pydantic's `X | None`)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        for option in options:
            if option.get("type") != "null":
                return _resolve(option, root)
    return _resolve(schema, root)


def _nullable(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in schema.get("anyOf", []))


def number_bounds(schema: dict[str, Any]) -> Bounds:
    integer = schema.get("type") == "integer"
    low = schema.get("minimum", schema.get("exclusiveMinimum", -1e9))
    high = schema.get("maximum", schema.get("exclusiveMaximum", 1e9))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low += 1 if integer else 0.1
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high -= 1 if integer else 0.1
    return Bounds(float(low), float(high), integer)


@dataclass
class Pools:
    """Values a model might send, by what the parameter is for."""

    urls: list[str]
    selectors: list[str]
    refs: list[str] = field(default_factory=list)  # from real snapshots, the newest last
    junk_refs: list[str] = field(
        default_factory=lambda: [
            "e0",
            "e99999",
            "f9e1",
            "",
            " e1 ",
            "ref=e2",
            "E5",
            "e-1",
            "e1e1",
            "[ref=e3]",
        ]
    )
    # evaluate's: what a model writes, one that reads every field (secrets included), and broken ones.
    scripts: list[str] = field(
        default_factory=lambda: [
            "document.title",
            "() => location.href",
            "() => [...document.querySelectorAll('input')].map((input) => [input.id, input.value])",
            "(el) => el.outerHTML",
            "async () => { await new Promise((r) => setTimeout(r, 100)); return document.body.innerText; }",
            "() => { document.querySelector('button')?.click(); }",
            "() => { alert('from a script'); }",
            "() => { throw new Error('no'); }",
            "() => 'x'.repeat(300000)",
            "() => window",
            "() => {",
            "",
            "s" * HUGE,
        ]
    )
    texts: list[str] = field(
        default_factory=lambda: [
            "Ada Lovelace",
            "",
            " ",
            "hello\nworld",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%s%s%n{0}{{7*7}}",
            "Book now",
            "Clicked",
            "Submitted",
            *UNICODE_TEXTS,
            "x" * HUGE,
            "é" * HUGE,
        ]
    )
    keys: list[str] = field(
        default_factory=lambda: [
            "Enter",
            "Tab",
            "Escape",
            "a",
            "Control+A",
            "Shift+Tab",
            "ArrowDown",
            "PageDown",
            "Backspace",
            "Alt+ArrowLeft",
            "",
            "NotAKey",
            "Control+",
            "++",
            "ü😀",
            "k" * HUGE,
        ]
    )
    options: list[str] = field(
        default_factory=lambda: ["Paris", "par", "Berlin", "Double (120 EUR)", "double", "2", "7", "nope", ""]
    )
    form_values: list[str] = field(
        default_factory=lambda: ["Ada", "true", "false", "Paris", "5", "", "x" * HUGE]
    )
    tab_ids: list[str] = field(default_factory=lambda: ["t1", "t2", "t3", "T1", " 2 ", "t99", "0"])
    paths: list[str] = field(
        default_factory=lambda: [
            UPLOAD_FILE,
            "/etc/passwd",
            "../../../../etc/passwd",
            f"../{UPLOAD_FILE}",
            "~/.ssh/id_rsa",
            "/proc/self/environ",
            "no-such-file.pdf",
            "",
            ".",
            "ü😀.txt",
            "p" * HUGE,
        ]
    )


# Pages of the other tools and checks, fuzzed when they are there.
OTHER_PAGES = (
    "upload.html",
    "drag.html",
    "typing_truth.html",
    "human-login.html",
    "human-recaptcha.html",
    "leave.html",
)


def site_urls(sites: Sites) -> list[str]:
    site, refused = sites.site, sites.refused
    port = urlsplit(site.base).port
    return [
        *(
            site.url(page)
            for page in ("/index.html", "/form.html", "/booking.html", "/secrets.html", "/two.html")
        ),
        *(site.url(page) for page in ("/secrets.html", "/booking.html", "/form.html")),  # more often
        *(site.url(f"/{page}") for page in OTHER_PAGES if (PAGES / page).exists()),
        site.url("/dialog-on-load.html"),
        site.url("/changes.html"),
        site.url("/slow?s=1"),
        site.url("/status?code=500"),
        site.url("/no-such-page.html"),
        site.url("/big"),
        sites.ways_out(),
        sites.ways_out(),
        sites.ways_out("script"),
        sites.ways_out("meta"),
        sites.ways_out("replace"),
        f"{sites.redirector.base}/?to={quote(refused.url('/index.html'), safe='')}",
        f"127.0.0.1:{port}/form.html",
        f"http://localhost:{port}/index.html",
        refused.url("/index.html"),
        refused.url("/secrets.html"),
        refused.base,
        "file:///etc/passwd",
        "file:///",
        "chrome://version",
        "chrome://settings",
        "devtools://devtools/bundled/inspector.html",
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "data:text/html,<h1>data</h1>",
        "about:blank",
        "about:config",
        f"view-source:{site.url('/index.html')}",
        "http://127.0.0.1:1/",
        "",
        " ",
        "%%%",
        site.url("/ü😀?q=שלום"),
        site.url("/?" + "a" * HUGE),
    ]


SELECTORS = [
    "#name",
    "#count",
    "#guest",
    "#email",
    "#nights",
    "#room",
    "#book",
    "#password",
    "#city",
    "button",
    "a",
    "input",
    "text=Book now",
    'role=button[name="Book now"]',
    "#card",
    "#no-such-element",
    "div[[[",
    "",
    " ",
    "xpath=//h1",
    "#out-link",
    "#out-blank",
    "#out-redirect",
    "#out-script",
    "#out-popup",
    "#out-meta",
    "#out-get-submit",
    "#out-post-submit",
    "s" * HUGE,
]


class Generator:
    """Arguments for one tool, valid or not, derived from its inputSchema."""

    def __init__(self, rng: random.Random, pools: Pools) -> None:
        self.rng = rng
        self.pools = pools

    # -- valid values --

    def valid(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        if _nullable(schema) and self.rng.random() < 0.1:
            return None
        inner = non_null(schema, root)
        kind = inner.get("type")
        if "enum" in inner:
            return self.rng.choice(inner["enum"])
        if kind in ("integer", "number"):
            return self._number(name, inner)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "array":
            return self._array(name, inner, root)
        if kind == "object" or "properties" in inner:
            return self.arguments(inner, root, wanted=self.optional_share())
        return self._string(name, inner)

    def optional_share(self) -> float:
        return self.rng.choice([0.0, 0.3, 0.6, 1.0])

    def _number(self, name: str, schema: dict[str, Any]) -> float | int:
        bounds = number_bounds(schema)
        if name in WAIT_PARAMETERS:  # a second at most, or the least it accepts
            value = max(bounds.low, min(WAIT_CAP_S, bounds.high))
            return int(value) if bounds.integer else value
        low, high = max(bounds.low, -1000), min(bounds.high, 1_000_000)
        choice = self.rng.choice(["low", "high", "between", "between"])
        value = low if choice == "low" else high if choice == "high" else self.rng.uniform(low, high)
        return int(value) if bounds.integer else round(value, 2)

    def _array(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> list[Any]:
        low, high = schema.get("minItems", 0), min(schema.get("maxItems", 4), 4)
        items = _resolve(schema.get("items", {}), root)
        item_name = "option" if name == "values" else name
        return [self.valid(item_name, items, root) for _ in range(self.rng.randint(low, max(low, high)))]

    def _string(self, name: str, schema: dict[str, Any]) -> str:
        pools = self.pools
        if name == "url":
            value = self.rng.choice(pools.urls)
        elif name == "ref" or name.endswith("_ref"):
            real = pools.refs[-30:]
            value = (
                self.rng.choice(real)
                if real and self.rng.random() < 0.75
                else self.rng.choice(pools.junk_refs)
            )
        elif name in ("path", "paths"):
            value = self.rng.choice(pools.paths)
        elif name == "selector" or name.endswith("_selector"):
            value = self.rng.choice(SELECTORS)
        elif name == "key":
            value = self.rng.choice(pools.keys)
        elif name == "tab":
            value = self.rng.choice(pools.tab_ids)
        elif name == "option":
            value = self.rng.choice(pools.options)
        elif name == "value":
            value = self.rng.choice(pools.form_values)
        elif name == "function":
            value = (
                f"() => {{ location.href = {json.dumps(self.rng.choice(pools.urls))}; }}"
                if self.rng.random() < 0.2
                else self.rng.choice(pools.scripts)
            )
        elif name == "revoke":
            value = self.rng.choice(["all", "L1", "nope"])
        else:
            value = self.rng.choice(pools.texts)
        high, low = schema.get("maxLength"), schema.get("minLength", 0)
        if high is not None:
            value = value[:high]
        if len(value) < low:
            value = (value + "word" * low)[: max(low, 1)]
        return value

    def arguments(self, schema: dict[str, Any], root: dict[str, Any], wanted: float) -> dict[str, Any]:
        """The required properties, each optional one with probability `wanted`, and the waits always."""
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        chosen = [
            name
            for name in properties
            if name in required or name in WAIT_PARAMETERS or self.rng.random() < wanted
        ]
        return {name: self.valid(name, properties[name], root) for name in chosen}

    # -- invalid values --

    def wrong_type(self, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        kind = non_null(schema, root).get("type")
        candidates: list[Any] = [12345, -1.5, True, ["a", 1], {"nested": {"deep": [None]}}, "text"]
        if not _nullable(schema):
            candidates.append(None)
        wrong: dict[str, type | tuple[type, ...]] = {
            "string": str,
            "integer": int,
            "number": (int, float),
            "boolean": bool,
            "array": list,
        }
        keep = wrong.get(str(kind))
        return self.rng.choice([value for value in candidates if keep is None or not isinstance(value, keep)])

    def out_of_range(self, name: str, schema: dict[str, Any], root: dict[str, Any]) -> Any:
        inner = non_null(schema, root)
        kind = inner.get("type")
        if kind in ("integer", "number"):
            bounds = number_bounds(inner)
            return self.rng.choice(
                [bounds.low - 1, bounds.high + 1, -1, -(10**9), 10**18, 2**63, 1e308, 0.5, 0]
            )
        if kind == "array":
            items = _resolve(inner.get("items", {}), root)
            return self.rng.choice([[], [self.valid(name, items, root) for _ in range(200)]])
        if kind == "string" and "maxLength" in inner:
            return "y" * (int(inner["maxLength"]) + 1)
        return self.rng.choice(["", "z" * HUGE, "\u202e\u0000ü😀" * 1000, -1])


# Three valid calls for each of the others.
VARIANTS = ("valid",) * 3 + ("missing", "wrong type", "extra", "empty", "out of range", "huge", "unicode")


@dataclass(frozen=True)
class Tool:
    name: str
    schema: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.schema.get("properties", {})
        return properties


def generate(tool: Tool, generator: Generator) -> tuple[str, dict[str, Any]]:
    """One call of `tool`: (its variant, its arguments). A variant the tool leaves no room for (nothing
    required to leave out, no string to make huge) is a valid call."""
    rng, schema, properties = generator.rng, tool.schema, tool.properties
    variant = rng.choice(VARIANTS)
    arguments = generator.arguments(schema, schema, wanted=generator.optional_share())
    names = list(properties)
    strings = [name for name in names if non_null(properties[name], schema).get("type") == "string"]
    required = [name for name in schema.get("required", []) if name in arguments]
    if variant == "missing" and required:
        del arguments[rng.choice(required)]
    elif variant == "wrong type" and names:
        name = rng.choice(names)
        arguments[name] = generator.wrong_type(properties[name], schema)
    elif variant == "extra":
        arguments[rng.choice(["bogus", "__proto__", "url ", "REF", "ü"])] = rng.choice([1, "x", None, [1]])
    elif variant == "empty":
        arguments = {}
    elif variant == "out of range" and names:
        name = rng.choice(names)
        arguments[name] = generator.out_of_range(name, properties[name], schema)
    elif variant in ("huge", "unicode") and strings:
        name = rng.choice(strings)
        arguments[name] = "h" * HUGE if variant == "huge" else rng.choice(UNICODE_TEXTS) * 50
    elif variant != "valid":
        variant = "valid"
    return variant, arguments


# ---- calls that all work on form.html, in any order (parts 4 and 5) --------------------------------------


def mixed_calls(site: Site) -> list[tuple[str, dict[str, Any]]]:
    """Read-only and acting calls that all work on form.html, whatever order they come in."""
    form = site.url("/form.html")
    return [
        ("snapshot", {}),
        ("snapshot", {"search": "Paris"}),
        ("tabs", {"action": "list"}),
        ("console_messages", {"level": "all"}),
        ("network_requests", {"include_static": True}),
        ("activity", {"limit": 5}),
        ("screenshot", {"format": "jpeg"}),
        ("type", {"selector": "#name", "text": "Ada Lovelace"}),
        ("select_option", {"selector": "#city", "values": ["Paris"]}),
        ("click", {"selector": "#search"}),
        ("hover", {"selector": "#name"}),
        ("scroll", {"direction": "down", "amount": 200}),
        ("press_key", {"key": "Tab"}),
        ("navigate", {"url": form}),
    ]
