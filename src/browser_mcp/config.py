"""All options, read once from the command line and `BROWSER_MCP_*` environment variables."""

from __future__ import annotations

import ipaddress
from argparse import SUPPRESS, Action, ArgumentParser
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    CliApp,
    CliDualFlag,
    CliSettingsSource,
    NoDecode,
    SettingsConfigDict,
)

ENV_PREFIX = "BROWSER_MCP_"

Heading = Literal["browser", "http", "live", "person", "neko", "general"]

# The headings of `--help`, in order: (title, one line under the title or None).
HEADINGS: dict[Heading, tuple[str, str | None]] = {
    "browser": ("browser", "The Chromium browser-mcp launches, or the one --cdp-url attaches to."),
    "http": ("HTTP and security", "The Streamable HTTP transport, and which pages may be opened."),
    "live": (
        "live view",
        "A web page that shows the person's tab live and takes their mouse and keys: at / with "
        "--transport http, else on its own port.",
    ),
    "person": ("the person", "How the agent behaves towards the person using the same page."),
    "neko": ("neko (optional)", "neko's API tells browser-mcp who holds control of the shared browser."),
    "general": ("general", None),
}


@dataclass(frozen=True)
class Shown:
    """How an option appears in `--help`: its heading and the name of its value (e.g. URL).

    Choices (`Literal`) show as {a,b} and flags show no value, so neither needs a metavar.
    `off_flag` names the one flag shown for an option that is on by default and turned off by
    that flag (e.g. --headed); the `--option` / `--no-option` pair stays accepted.
    """

    heading: Heading
    metavar: str | None = None
    off_flag: str | None = None


def _split_list(value: Any) -> Any:
    """Lists come as `a,b` on the command line or in the environment."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """browser-mcp is an MCP server that acts on the browser a person is watching. With no options it
    serves MCP over stdio and launches its own headless Chromium (with a CDP port, so other tools can
    attach too); --cdp-url attaches to a running Chromium instead, and --transport http serves
    Streamable HTTP at http://HOST:PORT/mcp. Every option can also be set with an environment variable
    BROWSER_MCP_<OPTION>, e.g. BROWSER_MCP_CDP_URL=http://127.0.0.1:9222 (lists comma-separated, flags
    true or false); an option on the command line wins over its variable.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        cli_kebab_case=True,
        cli_implicit_flags=True,
        extra="ignore",
    )

    cdp_url: Annotated[str | None, Shown("browser", "URL")] = Field(
        None,
        description="Attach to an existing Chromium at this CDP URL (http://HOST:PORT or ws://...) "
        "instead of launching one.",
    )
    transport: Annotated[Literal["stdio", "http"], Shown("http")] = Field(
        "stdio", description="stdio, or http for Streamable HTTP at http://HOST:PORT/mcp."
    )
    host: Annotated[str, Shown("http", "HOST")] = Field(
        "127.0.0.1", description="Address the HTTP transport (and the live view) binds to."
    )
    port: Annotated[int, Shown("http", "PORT")] = Field(
        8931, ge=0, le=65535, description="Port of the HTTP transport."
    )
    token: Annotated[str | None, Shown("http", "TOKEN")] = Field(
        None,
        description="Bearer token the HTTP transport requires (Authorization: Bearer TOKEN). "
        "Required when binding a non-loopback address.",
    )
    allowed_hosts: Annotated[list[str], NoDecode, Shown("http", "HOSTS")] = Field(
        default_factory=list,
        description="Extra Host header values the HTTP transport accepts (comma-separated, "
        "host:port or host:*), e.g. behind a reverse proxy. Loopback names are always accepted.",
    )
    headless: Annotated[CliDualFlag[bool], Shown("browser", off_flag="--headed")] = Field(
        True,
        description="Show the embedded Chromium in a window; it is headless by default. Needs a display "
        "(without one it stays headless). --no-headless is the same, --headless the default; "
        "in the environment: BROWSER_MCP_HEADLESS=false.",
    )
    browser_path: Annotated[str | None, Shown("browser", "PATH")] = Field(
        None,
        description="Chromium/Chrome executable for the embedded browser "
        "(default: chromium or google-chrome on PATH, else Playwright's own).",
    )
    cdp_port: Annotated[int, Shown("browser", "PORT")] = Field(
        0, ge=0, le=65535, description="CDP port of the embedded browser (0 picks a free port)."
    )
    user_data_dir: Annotated[str | None, Shown("browser", "DIR")] = Field(
        None, description="Profile directory of the embedded browser (default: a fresh temporary one)."
    )
    action_timeout: Annotated[float, Shown("browser", "SECONDS")] = Field(
        5.0,
        gt=0,
        description="Seconds an element action (click, type...) may wait for its element (less when it "
        "stays blocked on a page where nothing changes).",
    )
    navigation_timeout: Annotated[float, Shown("browser", "SECONDS")] = Field(
        30.0, gt=0, description="Seconds a navigation may take before it is reported as failed."
    )
    renew_after_documents: Annotated[int, Shown("browser", "N")] = Field(
        500,
        ge=0,
        description="Attach to the browser afresh, at the agent's next navigate, once this many documents "
        "have loaded since it attached (0: never). Playwright keeps ~11 KB for each until the attachment "
        "ends; tabs, their ids and the person's view carry over.",
    )
    allow_file_urls: Annotated[bool, Shown("http")] = Field(
        False, description="Allow navigating to file:// URLs."
    )
    allowed_origins: Annotated[list[str], NoDecode, Shown("http", "ORIGINS")] = Field(
        default_factory=list,
        description="If set, only these origins may be opened (comma-separated; "
        "https://example.com, example.com, *.example.com, 127.0.0.1:8000).",
    )
    blocked_origins: Annotated[list[str], NoDecode, Shown("http", "ORIGINS")] = Field(
        default_factory=list,
        description="Origins that may never be opened (same forms as --allowed-origins).",
    )
    url_policy_scope: Annotated[Literal["agent", "browser"], Shown("http")] = Field(
        "agent",
        description="Which navigations the URL policy stops: the agent's (its navigations, the redirects "
        "and the links, forms and popups its actions lead to), or every one in the browser, the "
        "person's too (a kiosk).",
    )
    allow_evaluate: Annotated[bool, Shown("http")] = Field(
        False,
        description="Offer the evaluate tool: the model may run its own JavaScript in the person's pages "
        "(it could read or change anything there; the values of secret fields are hidden from its results, "
        "not from the script).",
    )
    upload_dir: Annotated[str | None, Shown("browser", "DIR")] = Field(
        None,
        description="Directory whose files file_upload may put in a page's file field (nothing else on this "
        "machine ever is); without it, file_upload is refused.",
    )
    snapshot_max_chars: Annotated[int, Shown("browser", "CHARS")] = Field(
        16_000, ge=1_000, description="Default size budget of one snapshot reply, in characters."
    )
    person_quiet_ms: Annotated[int, Shown("person", "MS")] = Field(
        1500,
        ge=0,
        le=60_000,
        description="Before an input action, the person must have been quiet (no keys, clicks, scrolling) "
        "for this long; 0 never waits.",
    )
    person_wait_s: Annotated[float, Shown("person", "SECONDS")] = Field(
        10, ge=0, le=600, description="How long an input action waits for a busy person before it fails."
    )
    person_policy: Annotated[Literal["wait", "fail", "ignore"], Shown("person")] = Field(
        "wait",
        description="When the person is busy before an input action: wait (up to --person-wait-s), fail "
        "at once with a clear error, or ignore them and act.",
    )
    overlay_ms: Annotated[int, Shown("person", "MS")] = Field(
        1000,
        ge=0,
        le=10_000,
        description="How long the page keeps showing what the agent did (a pointer and a labelled box, "
        "drawn as each input action starts, never delaying it), fading out; 0 turns the overlay off.",
    )
    overlay_lead_ms: Annotated[int, Shown("person", "MS")] = Field(
        0,
        ge=0,
        le=5_000,
        description="Show the overlay this long BEFORE each input action, e.g. for a demo (every action "
        "then waits that long).",
    )
    force_overlay: Annotated[bool, Shown("person")] = Field(
        False,
        description="Draw the overlay even when nobody can be watching (the embedded browser is headless "
        "and no live view is open), where it is skipped by default.",
    )
    live_view: Annotated[CliDualFlag[bool], Shown("live")] = Field(
        True,
        description="Serve the live view: at / with --transport http, else on --live-port.",
    )
    live_port: Annotated[int, Shown("live", "PORT")] = Field(
        8932,
        ge=0,
        le=65535,
        description="Port of the live view in stdio mode (the next free one if taken; 0 picks any).",
    )
    public_url: Annotated[str | None, Shown("live", "URL")] = Field(
        None,
        description="The live view's address as people reach it (behind a reverse proxy), e.g. "
        "https://browser.example.com: used in the links the server prints and hands out.",
    )
    live_frame_ancestors: Annotated[list[str], NoDecode, Shown("live", "ORIGINS")] = Field(
        default_factory=list,
        description="Pages that may show the live view in an iframe (comma-separated origins, e.g. "
        "http://127.0.0.1:4096); by default only the live view's own origin.",
    )
    neko_url: Annotated[str | None, Shown("neko", "URL")] = Field(
        None,
        description="Address of neko's API (e.g. http://127.0.0.1:8080), optional: lets the server know "
        "whether a person holds control in neko, read its screen size and post into its chat. Needs "
        "--neko-user and --neko-password, or --neko-token.",
    )
    neko_user: Annotated[str | None, Shown("neko", "USER")] = Field(
        None, description="neko user the server logs in as."
    )
    neko_password: Annotated[str | None, Shown("neko", "PASSWORD")] = Field(
        None,
        description="Password of --neko-user (prefer BROWSER_MCP_NEKO_PASSWORD: others can read command lines).",
    )
    neko_token: Annotated[str | None, Shown("neko", "TOKEN")] = Field(
        None, description="An existing neko session or API token, instead of --neko-user/--neko-password."
    )
    neko_chat: Annotated[bool, Shown("neko")] = Field(
        False,
        description="Post a short line per agent action into neko's chat (needs an admin neko account).",
    )
    neko_control_counts_as_busy: Annotated[CliDualFlag[bool], Shown("neko")] = Field(
        True,
        description="A person holding control in neko counts as a person at work, whom the agent waits for.",
    )
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], Shown("general")] = Field(
        "INFO", description="Log level (logs go to stderr)."
    )

    _split = field_validator(
        "allowed_hosts", "allowed_origins", "blocked_origins", "live_frame_ancestors", mode="before"
    )(_split_list)

    @model_validator(mode="after")
    def _token_required_off_loopback(self) -> Settings:
        # Over stdio, --host is where the live view listens.
        serves_http = self.transport == "http" or self.live_view
        if serves_http and not self.token and not is_loopback(self.host):
            raise ValueError(
                f"refusing to serve HTTP on {self.host} without a token: anyone who can reach it "
                "could drive the browser. Pass --token (or BROWSER_MCP_TOKEN), or bind 127.0.0.1."
            )
        return self

    @model_validator(mode="after")
    def _live_urls_are_urls(self) -> Settings:
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise ValueError(
                f"--public-url must start with http:// or https://, e.g. https://browser.example.com "
                f"(got {self.public_url!r})."
            )
        for origin in self.live_frame_ancestors:
            if not origin.startswith(("http://", "https://")) or origin.count("/") > 2:
                raise ValueError(
                    f"--live-frame-ancestors takes origins like http://127.0.0.1:4096 (got {origin!r})."
                )
        return self

    @model_validator(mode="after")
    def _neko_options_fit_together(self) -> Settings:
        url = self.neko_url
        logs_in = self.neko_user is not None or self.neko_password is not None
        if url is None:
            given = [
                f"--{name.replace('_', '-')}"
                for name in ("neko_user", "neko_password", "neko_token")
                if getattr(self, name) is not None
            ] + (["--neko-chat"] if self.neko_chat else [])
            if given:
                raise ValueError(
                    f"{', '.join(given)} needs --neko-url (neko's address, e.g. http://127.0.0.1:8080)."
                )
            return self
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"--neko-url must be an http:// or https:// address, e.g. http://127.0.0.1:8080 (got {url!r})."
            )
        if self.neko_token is not None and logs_in:
            raise ValueError("give either --neko-token or --neko-user with --neko-password, not both.")
        if self.neko_user is not None and self.neko_password is None:
            raise ValueError(
                f"--neko-user {self.neko_user} needs --neko-password (or use --neko-token instead)."
            )
        if self.neko_password is not None and self.neko_user is None:
            raise ValueError("--neko-password needs --neko-user (the neko user to log in as).")
        if self.neko_token is None and not logs_in:
            raise ValueError(
                "--neko-url needs a way to log in: --neko-user and --neko-password, or --neko-token."
            )
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Parser(ArgumentParser):
    """The `browser-mcp` command line. pydantic-settings adds every Settings field through
    `add_setting`, which files it under its heading with a readable value name and default."""

    def __init__(self) -> None:
        super().__init__(
            prog="browser-mcp",
            usage="%(prog)s [options]",
            description=" ".join((Settings.__doc__ or "").split()),
            add_help=False,
            allow_abbrev=False,
        )
        self.headings = {key: self.add_argument_group(*text) for key, text in HEADINGS.items()}
        self.headings["general"].add_argument("-h", "--help", action="help", help="Show this help and exit.")

    def add_setting(self, *flags: str, **kwargs: Any) -> Action:
        field = Settings.model_fields[kwargs["dest"]]
        shown = next((item for item in field.metadata if isinstance(item, Shown)), Shown("general"))
        group = self.headings[shown.heading]
        kwargs["help"] = _help(field, with_default=shown.off_flag is None)
        if shown.off_flag:  # show only the flag that turns it off; keep --option/--no-option working
            group.add_argument(*flags, **{**kwargs, "help": SUPPRESS})
            flags, kwargs = (shown.off_flag,), {**kwargs, "action": "store_false"}
        elif "metavar" in kwargs:  # flags have none
            choices = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
            kwargs["metavar"] = "{" + ",".join(choices) + "}" if choices else shown.metavar
        return group.add_argument(*flags, **kwargs)


def _help(field: FieldInfo, with_default: bool) -> str:
    """The field's description and its default as a person writes it (none shown when unset)."""
    default = field.get_default(call_default_factory=True)
    if isinstance(default, bool):
        default = "on" if default else "off"
    elif isinstance(default, float):
        default = f"{default:g}"
    text = field.description or ""
    if with_default and default not in (None, []):
        text += f" (default: {default})"
    return text.replace("%", "%%")


def load_settings(argv: list[str] | None = None) -> Settings:
    """Parse the command line (and environment) into Settings; `--help` prints and exits."""
    source = CliSettingsSource[_Parser](
        Settings, root_parser=_Parser(), add_argument_method=_Parser.add_setting
    )
    return CliApp.run(Settings, cli_args=argv or [], cli_settings_source=source)
