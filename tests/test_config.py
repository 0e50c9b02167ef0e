"""Options: the command line, BROWSER_MCP_* environment variables, and the URL policy they set up."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from browser_mcp.browser.url_policy import UrlPolicy
from browser_mcp.config import Settings, load_settings
from browser_mcp.errors import Problem
from tests.support.agent import SERVER_COMMAND, server_env

OPTIONS = [
    "--cdp-url",
    "--transport",
    "--host",
    "--port",
    "--token",
    "--headed",
    "--headless",
    "--no-headless",
    "--browser-path",
    "--action-timeout",
    "--navigation-timeout",
    "--allow-file-urls",
    "--allowed-origins",
    "--blocked-origins",
    "--live-port",
    "--no-live-view",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings from the developer's shell must not leak into these tests."""
    for key in list(os.environ):
        if key.startswith("BROWSER_MCP_"):
            monkeypatch.delenv(key)
    yield


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVER_COMMAND, *args],
        env=server_env(env),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


# --- the command line ------------------------------------------------------------------------


def test_help_lists_every_option_and_the_environment_variables() -> None:
    """`browser-mcp --help` shows every option a user can set, and says env vars work too."""
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    missing = [option for option in OPTIONS if option not in result.stdout]
    assert not missing, f"--help does not list {missing}:\n{result.stdout}"
    assert "BROWSER_MCP_" in result.stdout


def help_sections() -> tuple[str, dict[str, str]]:
    """`browser-mcp --help` as one line of text, and the text under each heading."""
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    sections = re.findall(r"^(\S[^\n]*):\n(.*?)(?=^\S|\Z)", result.stdout, re.MULTILINE | re.DOTALL)
    return " ".join(result.stdout.split()), dict(sections)


def test_help_groups_the_options_under_headings() -> None:
    """Options come under browser, HTTP and security, live view, the person, neko and general, in that
    order, and every setting has its flag there."""
    text, sections = help_sections()
    headings = ["browser", "HTTP and security", "live view", "the person", "neko (optional)", "general"]
    assert list(sections) == headings, sections.keys()
    expected = {
        "browser": ["--cdp-url", "--headed", "--browser-path", "--cdp-port", "--user-data-dir"],
        "HTTP and security": ["--transport", "--host", "--port", "--token", "--allowed-hosts"],
        "live view": ["--no-live-view", "--live-port", "--public-url", "--live-frame-ancestors"],
        "the person": ["--person-quiet-ms", "--person-wait-s", "--person-policy", "--overlay-ms"],
        "neko (optional)": ["--neko-url", "--neko-user", "--neko-password", "--neko-chat"],
        "general": ["--help", "--log-level"],
    }
    for heading, options in expected.items():
        missing = [option for option in options if option not in sections[heading]]
        assert not missing, f"{missing} not under {heading!r}:\n{sections[heading]}"
    for security in ("--allowed-origins", "--blocked-origins", "--allow-file-urls"):
        assert security in sections["HTTP and security"]
    for timeout in ("--action-timeout", "--navigation-timeout", "--snapshot-max-chars"):
        assert timeout in sections["browser"]
    forgotten = [name for name in Settings.model_fields if f"--{name.replace('_', '-')}" not in text]
    assert not forgotten, f"--help does not show {forgotten}"


def test_help_says_what_to_give_and_the_defaults_in_words() -> None:
    """Each value is named for what to give (URL, PORT, MS...) and each default reads as a person
    writes it; none of the settings library's type names show."""
    text, _ = help_sections()
    for usage in [
        "--cdp-url URL",
        "--transport {stdio,http}",
        "--host HOST",
        "--port PORT",
        "--token TOKEN",
        "--allowed-hosts HOSTS",
        "--browser-path PATH",
        "--cdp-port PORT",
        "--user-data-dir DIR",
        "--action-timeout SECONDS",
        "--allowed-origins ORIGINS",
        "--blocked-origins ORIGINS",
        "--snapshot-max-chars CHARS",
        "--person-quiet-ms MS",
        "--person-wait-s SECONDS",
        "--person-policy {wait,fail,ignore}",
        "--overlay-ms MS",
        "--neko-url URL",
        "--log-level {DEBUG,INFO,WARNING,ERROR}",
    ]:
        assert usage in text, f"{usage!r} not in --help"
    for default in [
        "(default: 127.0.0.1)",
        "(default: 8931)",
        "(default: stdio)",
        "(default: 5)",
        "(default: 16000)",
        "(default: 1500)",
        "(default: wait)",
        "(default: off)",
        "(default: INFO)",
    ]:
        assert default in text, f"{default!r} not in --help"
    for internal in [
        "{str,null}",
        "list[str]",
        "default factory",
        "null",
        "(default: None)",
        "(default: [])",
    ]:
        assert internal not in text, f"{internal!r} in --help"
    assert "(default: True)" not in text and "(default: False)" not in text
    assert "BROWSER_MCP_<OPTION>" in text


def test_help_offers_headed_for_a_window() -> None:
    """--help shows --headed (the browser is headless by default), not a --headless/--no-headless pair."""
    text, sections = help_sections()
    assert re.search(r"^  --headed\s", sections["browser"], re.MULTILINE)
    assert "--headless, --no-headless" not in text
    assert "headless by default" in text and "BROWSER_MCP_HEADLESS=false" in text


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--port", "abc"], {}, ["port", "integer"]),
        (["--transport", "foo"], {}, ["transport", "stdio", "http"]),
        (["--action-timeout", "0"], {}, ["action", "greater than 0"]),
        ([], {"BROWSER_MCP_PORT": "abc"}, ["port", "integer"]),
        (["--no-such-option"], {}, ["--no-such-option"]),
        (["--person-policy", "sometimes"], {}, ["--person-policy", "wait", "fail", "ignore"]),
        ([], {"BROWSER_MCP_HEADLESS": "maybe"}, ["headless", "boolean"]),
        (["--headed=yes"], {}, ["--headed"]),
        (["--public-url", "example.com"], {}, ["--public-url", "http://"]),
        (["--live-frame-ancestors", "http://a.example/page"], {}, ["--live-frame-ancestors", "origins"]),
    ],
    ids=[
        "port-abc",
        "transport-foo",
        "zero-timeout",
        "env-port-abc",
        "unknown-option",
        "policy-sometimes",
        "env-headless-maybe",
        "headed-takes-no-value",
        "public-url-without-scheme",
        "frame-ancestor-not-an-origin",
    ],
)
def test_invalid_values_exit_2_with_a_message(args: list[str], env: dict[str, str], words: list[str]) -> None:
    """A bad option value stops the server at once with exit code 2 and says what is wrong."""
    result = run_cli(*args, env=env)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""  # stdout is the MCP channel: nothing else may go there
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


# --- settings ------------------------------------------------------------------------------


def test_the_live_view_off_loopback_needs_a_token_in_stdio_mode_too() -> None:
    """Over stdio --host is where the live view listens: a public address without a token is refused,
    unless the live view is off."""
    with pytest.raises(ValidationError, match="without a token"):
        load_settings(["--host", "0.0.0.0"])
    assert load_settings(["--host", "0.0.0.0", "--no-live-view"]).host == "0.0.0.0"
    assert load_settings(["--host", "0.0.0.0", "--token", "t"]).live_view


def test_defaults_are_stdio_loopback_headless_and_no_file_urls() -> None:
    """With no options: stdio, launch a headless browser, HTTP would bind 127.0.0.1:8931, no lists."""
    settings = load_settings([])
    assert settings.transport == "stdio"
    assert settings.cdp_url is None
    assert (settings.host, settings.port, settings.token) == ("127.0.0.1", 8931, None)
    assert settings.headless is True
    assert settings.allow_file_urls is False
    assert settings.allowed_origins == [] and settings.blocked_origins == []


# Each variable and what it sets: lists are comma-separated, booleans read false/true.
ENVIRONMENT = {
    "BROWSER_MCP_CDP_URL": ("http://127.0.0.1:9222", "cdp_url", "http://127.0.0.1:9222"),
    "BROWSER_MCP_TRANSPORT": ("http", "transport", "http"),
    "BROWSER_MCP_PORT": ("9000", "port", 9000),
    "BROWSER_MCP_TOKEN": ("s3cret", "token", "s3cret"),
    "BROWSER_MCP_HEADLESS": ("false", "headless", False),
    "BROWSER_MCP_BROWSER_PATH": ("/opt/chrome/chrome", "browser_path", "/opt/chrome/chrome"),
    "BROWSER_MCP_ACTION_TIMEOUT": ("2.5", "action_timeout", 2.5),
    "BROWSER_MCP_NAVIGATION_TIMEOUT": ("12", "navigation_timeout", 12),
    "BROWSER_MCP_ALLOW_FILE_URLS": ("true", "allow_file_urls", True),
    "BROWSER_MCP_ALLOWED_ORIGINS": ("a.com,b.com", "allowed_origins", ["a.com", "b.com"]),
    "BROWSER_MCP_BLOCKED_ORIGINS": (" ads.a.com , *.tracker.net ", "blocked_origins", ["ads.a.com", "*.tracker.net"]),
    "BROWSER_MCP_ALLOWED_HOSTS": ("proxy.lan:8931,box:*", "allowed_hosts", ["proxy.lan:8931", "box:*"]),
    "BROWSER_MCP_SNAPSHOT_MAX_CHARS": ("4000", "snapshot_max_chars", 4000),
    "BROWSER_MCP_PERSON_POLICY": ("fail", "person_policy", "fail"),
    "BROWSER_MCP_NEKO_URL": ("http://127.0.0.1:8080", "neko_url", "http://127.0.0.1:8080"),
    "BROWSER_MCP_NEKO_TOKEN": ("t", "neko_token", "t"),
    "BROWSER_MCP_NEKO_CONTROL_COUNTS_AS_BUSY": ("false", "neko_control_counts_as_busy", False),
    "BROWSER_MCP_LOG_LEVEL": ("DEBUG", "log_level", "DEBUG"),
}  # fmt: skip


def test_environment_variables_set_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """BROWSER_MCP_<OPTION> sets each option, from every heading of --help."""
    for name, (value, _, _) in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)

    settings = load_settings([])

    for name, (_, field, expected) in ENVIRONMENT.items():
        assert getattr(settings, field) == expected, name
    assert load_settings(["--neko-control-counts-as-busy"]).neko_control_counts_as_busy is True


def test_command_line_lists_are_comma_separated() -> None:
    """--allowed-origins a.com,b.com gives two origins."""
    settings = load_settings(["--allowed-origins", "a.com,b.com", "--blocked-origins", "c.com"])
    assert settings.allowed_origins == ["a.com", "b.com"]
    assert settings.blocked_origins == ["c.com"]


def test_headed_means_not_headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """--headed and --no-headless both turn headless off; --headless turns it on; --headed wins
    over BROWSER_MCP_HEADLESS."""
    assert load_settings(["--headed"]).headless is False
    assert load_settings(["--no-headless"]).headless is False
    assert load_settings(["--headless"]).headless is True
    monkeypatch.setenv("BROWSER_MCP_HEADLESS", "true")
    assert load_settings(["--headed"]).headless is False


def test_command_line_overrides_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An option given on the command line wins over its environment variable."""
    monkeypatch.setenv("BROWSER_MCP_CDP_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv("BROWSER_MCP_PORT", "9000")
    monkeypatch.setenv("BROWSER_MCP_HEADLESS", "false")
    monkeypatch.setenv("BROWSER_MCP_ALLOWED_ORIGINS", "env.com")

    settings = load_settings(
        ["--cdp-url", "http://127.0.0.1:2222", "--port", "9100", "--headless", "--allowed-origins", "cli.com"]
    )

    assert settings.cdp_url == "http://127.0.0.1:2222"
    assert settings.port == 9100
    assert settings.headless is True
    assert settings.allowed_origins == ["cli.com"]


def test_http_off_loopback_needs_a_token() -> None:
    """Serving HTTP on a public address without --token is refused; loopback or a token is fine."""
    with pytest.raises(ValidationError, match="without a token"):
        load_settings(["--transport", "http", "--host", "0.0.0.0"])
    assert load_settings(["--transport", "http", "--host", "0.0.0.0", "--token", "t"]).token == "t"
    assert load_settings(["--transport", "http", "--host", "localhost"]).host == "localhost"
    assert load_settings(["--transport", "http", "--host", "::1"]).host == "::1"


# --- the URL policy ------------------------------------------------------------------------


def refusal(policy: UrlPolicy, url: str) -> str:
    with pytest.raises(Problem) as caught:
        policy.check(url)
    return str(caught.value)


@pytest.mark.parametrize(
    ("typed", "opened"),
    [
        ("example.com", "https://example.com"),
        ("example.com/docs?q=1", "https://example.com/docs?q=1"),
        ("  https://example.com/  ", "https://example.com/"),
        ("localhost", "http://localhost"),
        ("localhost:8000", "http://localhost:8000"),
        ("127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("http://example.com", "http://example.com"),
    ],
)
def test_bare_hosts_get_the_scheme_a_person_would_expect(typed: str, opened: str) -> None:
    """A host typed without a scheme opens over https, a local one over http."""
    assert UrlPolicy([], [], False).check(typed) == opened


@pytest.mark.parametrize(
    ("typed", "opened"),
    [("example.com:8080", "https://example.com:8080"), ("[::1]:3000", "http://[::1]:3000")],
)
def test_bare_host_with_a_port_gets_a_scheme(typed: str, opened: str) -> None:
    """`example.com:8080` is a host and port, not a URL with the scheme 'example.com'."""
    assert UrlPolicy([], [], False).check(typed) == opened


def test_empty_url_is_refused() -> None:
    """An empty URL says so and shows what a URL looks like."""
    assert "empty" in refusal(UrlPolicy([], [], False), "   ")


def test_internal_and_script_urls_are_refused_with_the_reason() -> None:
    """Browser-internal pages, script URLs and (by default) files are refused, each saying why."""
    policy = UrlPolicy([], [], False)
    assert "browser-internal" in refusal(policy, "chrome://settings")
    assert "browser-internal" in refusal(policy, "devtools://devtools/bundled/inspector.html")
    assert "browser-internal" in refusal(policy, "view-source:https://example.com")
    assert "only about:blank" in refusal(policy, "about:config")
    assert "arbitrary code" in refusal(policy, "javascript:alert(1)")
    assert "arbitrary code" in refusal(policy, "data:text/html,x")
    assert "--allow-file-urls" in refusal(policy, "file:///etc/passwd")
    assert "only http and https" in refusal(policy, "ftp://example.com/file")
    assert policy.check("about:blank") == "about:blank"
    assert UrlPolicy([], [], True).check("file:///tmp/page.html") == "file:///tmp/page.html"


def test_wildcard_matches_the_domain_and_its_subdomains_only() -> None:
    """*.example.com allows example.com and any subdomain, not look-alike domains."""
    policy = UrlPolicy(["*.example.com"], [], False)
    assert policy.check("https://example.com/") == "https://example.com/"
    assert policy.check("https://a.b.example.com/x") == "https://a.b.example.com/x"
    for url in ("https://badexample.com/", "https://example.com.evil.net/", "https://example.org/"):
        message = refusal(policy, url)
        assert "--allowed-origins" in message and "*.example.com" in message


def test_exact_host_does_not_allow_subdomains() -> None:
    """example.com allows only example.com, not www.example.com."""
    policy = UrlPolicy(["example.com"], [], False)
    assert policy.check("https://example.com/a") == "https://example.com/a"
    assert "--allowed-origins" in refusal(policy, "https://www.example.com/")


def test_ports_and_schemes_in_patterns() -> None:
    """A port in a pattern pins the port (default ports count); a scheme pins the scheme;
    a pattern without a port allows any port."""
    pinned = UrlPolicy(["127.0.0.1:8000"], [], False)
    assert pinned.check("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000/x"
    assert "--allowed-origins" in refusal(pinned, "http://127.0.0.1:9000/x")

    default_port = UrlPolicy(["example.com:443"], [], False)
    assert default_port.check("https://example.com") == "https://example.com"
    assert "--allowed-origins" in refusal(default_port, "http://example.com")

    any_port = UrlPolicy(["example.com"], [], False)
    assert any_port.check("https://example.com:8443/") == "https://example.com:8443/"

    https_only = UrlPolicy(["https://example.com"], [], False)
    assert https_only.check("https://example.com/") == "https://example.com/"
    assert "--allowed-origins" in refusal(https_only, "http://example.com/")


def test_hosts_match_case_insensitively() -> None:
    """Host names in patterns and URLs compare without regard to case."""
    policy = UrlPolicy(["Shop.Example.org"], ["ADS.example.org"], False)
    assert policy.check("https://SHOP.example.ORG/") == "https://SHOP.example.ORG/"
    assert "--blocked-origins" in refusal(policy, "https://ads.EXAMPLE.org/")


def test_blocked_wins_over_allowed() -> None:
    """An origin both allowed (by a wildcard) and blocked is refused as blocked."""
    policy = UrlPolicy(["*.example.com"], ["ads.example.com"], False)
    assert policy.check("https://www.example.com/") == "https://www.example.com/"
    assert "--blocked-origins" in refusal(policy, "https://ads.example.com/banner")


def test_blocked_list_alone_allows_everything_else() -> None:
    """With only a block list, everything not blocked opens (bare hosts included)."""
    policy = UrlPolicy([], ["*.tracker.net", "localhost:3000"], False)
    assert "--blocked-origins" in refusal(policy, "https://cdn.tracker.net/t.js")
    assert "--blocked-origins" in refusal(policy, "localhost:3000")
    assert policy.check("localhost:3001") == "http://localhost:3001"
    assert policy.check("https://example.com") == "https://example.com"
