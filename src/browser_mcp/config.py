"""All options, read once from the command line and `BROWSER_MCP_*` environment variables."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, CliApp, CliDualFlag, NoDecode, SettingsConfigDict

ENV_PREFIX = "BROWSER_MCP_"


def _split_list(value: Any) -> Any:
    """Lists come as `a,b` on the command line or in the environment."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """browser-mcp: an MCP server that acts on the browser a person is watching.

    With no options it serves MCP over stdio and launches its own Chromium (with a CDP port,
    so the person's tools can attach too). Every option can also be set with an environment
    variable BROWSER_MCP_<OPTION>, e.g. BROWSER_MCP_CDP_URL.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        cli_prog_name="browser-mcp",
        cli_kebab_case=True,
        cli_implicit_flags=True,
        cli_use_class_docs_for_groups=False,
        extra="ignore",
    )

    cdp_url: str | None = Field(
        None,
        description="Attach to an existing Chromium at this CDP URL (http://HOST:PORT or ws://...) "
        "instead of launching one.",
    )
    transport: Literal["stdio", "http"] = Field(
        "stdio", description="stdio, or http for Streamable HTTP at http://HOST:PORT/mcp."
    )
    host: str = Field("127.0.0.1", description="Address the HTTP transport binds to.")
    port: int = Field(8931, ge=0, le=65535, description="Port of the HTTP transport.")
    token: str | None = Field(
        None,
        description="Bearer token the HTTP transport requires (Authorization: Bearer TOKEN). "
        "Required when binding a non-loopback address.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra Host header values the HTTP transport accepts (comma-separated, "
        "host:port or host:*), e.g. behind a reverse proxy. Loopback names are always accepted.",
    )
    headless: CliDualFlag[bool] = Field(
        True,
        description="Run the embedded Chromium headless (default) or, with --no-headless / --headed, "
        "in a window (needs a display).",
    )
    browser_path: str | None = Field(
        None,
        description="Chromium/Chrome executable for the embedded browser "
        "(default: chromium or google-chrome on PATH, else Playwright's own).",
    )
    cdp_port: int = Field(
        0, ge=0, le=65535, description="CDP port of the embedded browser (0 picks a free port)."
    )
    user_data_dir: str | None = Field(
        None, description="Profile directory of the embedded browser (default: a fresh temporary one)."
    )
    action_timeout: float = Field(
        5.0, gt=0, description="Seconds an element action (click, type...) may wait for its element."
    )
    navigation_timeout: float = Field(
        30.0, gt=0, description="Seconds a navigation may take before it is reported as failed."
    )
    allow_file_urls: bool = Field(False, description="Allow navigating to file:// URLs.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="If set, only these origins may be opened (comma-separated; "
        "https://example.com, example.com, *.example.com, 127.0.0.1:8000).",
    )
    blocked_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins that may never be opened (same forms as --allowed-origins).",
    )
    snapshot_max_chars: int = Field(
        16_000, ge=1_000, description="Default size budget of one snapshot reply, in characters."
    )
    person_quiet_ms: int = Field(
        1500,
        ge=0,
        le=60_000,
        description="Before an input action, the person must have been quiet (no keys, clicks, scrolling) "
        "for this long; 0 never waits.",
    )
    person_wait_s: float = Field(
        10, ge=0, le=600, description="How long an input action waits for a busy person before it fails."
    )
    person_policy: Literal["wait", "fail", "ignore"] = Field(
        "wait",
        description="When the person is busy before an input action: wait (up to --person-wait-s), fail "
        "at once with a clear error, or ignore them and act.",
    )
    overlay_ms: int = Field(
        400,
        ge=0,
        le=5_000,
        description="How long the page shows what the agent is about to do (a pointer and a labelled box) "
        "before each input action; 0 turns the overlay off.",
    )
    neko_url: str | None = Field(
        None,
        description="Address of neko's API (e.g. http://127.0.0.1:8080), optional: lets the server know "
        "whether a person holds control in neko, read its screen size and post into its chat. Needs "
        "--neko-user and --neko-password, or --neko-token.",
    )
    neko_user: str | None = Field(None, description="neko user the server logs in as.")
    neko_password: str | None = Field(
        None,
        description="Password of --neko-user (prefer BROWSER_MCP_NEKO_PASSWORD: others can read command lines).",
    )
    neko_token: str | None = Field(
        None, description="An existing neko session or API token, instead of --neko-user/--neko-password."
    )
    neko_chat: bool = Field(
        False,
        description="Post a short line per agent action into neko's chat (needs an admin neko account).",
    )
    neko_control_counts_as_busy: CliDualFlag[bool] = Field(
        True,
        description="A person holding control in neko counts as a person at work, whom the agent waits "
        "for; --no-neko-control-counts-as-busy turns that off.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level (logs go to stderr)."
    )

    _split = field_validator("allowed_hosts", "allowed_origins", "blocked_origins", mode="before")(
        _split_list
    )

    @model_validator(mode="after")
    def _token_required_off_loopback(self) -> Settings:
        if self.transport == "http" and not self.token and not is_loopback(self.host):
            raise ValueError(
                f"refusing to serve HTTP on {self.host} without a token: anyone who can reach it "
                "could drive the browser. Pass --token (or BROWSER_MCP_TOKEN), or bind 127.0.0.1."
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


def load_settings(argv: list[str] | None = None) -> Settings:
    """Parse the command line (and environment) into Settings; `--headed` means `--no-headless`."""
    args = ["--no-headless" if arg == "--headed" else arg for arg in (argv or [])]
    return CliApp.run(Settings, cli_args=args)
