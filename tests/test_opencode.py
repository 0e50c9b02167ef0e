"""The real OpenCode loads our server from opencode.json.example and its agent drives the person's tab.

A scripted fake model (tests/support/fake_llm.py) plays the LLM: it navigates to the booking form,
takes a snapshot, reads the refs it got back, types a name and clicks "Book now". The test then
looks at the person's own browser, and at what came back to the model. Both entries of the example
run: the local (stdio) one through `opencode run`, the remote (HTTP, bearer token) one through
`opencode serve`, as a person with a web front end runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.support.agent import SERVER_COMMAND, HttpServer
from tests.support.chromium import PersonChromium
from tests.support.fake_llm import ChatRequest, FakeLLM, Step, ToolCall, ToolResult
from tests.support.opencode import OpenCode, Run, example_config, fake_model, with_entry
from tests.support.person import Person
from tests.support.site import Site

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each test starts OpenCode and browser-mcp

LOCAL, REMOTE = "browser", "browser-remote"  # the entries of opencode.json.example
TOKEN = "opencode-e2e-token-7d1e"
PASSENGER = "Ada Lovelace"
ANSWER = f"Booked a seat for {PASSENGER}."
CORE_TOOLS = ["navigate", "snapshot", "click", "type", "tabs", "wait_for", "handle_dialog"]
STEPS = ["navigate", "snapshot", "type", "click"]
PROMPT = f"Book a seat for {PASSENGER} on the booking form."


def ref_in(snapshot: str, label: str) -> str:
    """The ref of the snapshot line for `label`, e.g. 'button "Book now"'."""
    found = re.search(re.escape(label) + r"(?: \[[^\]]*\])*? \[ref=(\w+)\]", snapshot)
    assert found, f"no {label} with a ref in the snapshot:\n{snapshot}"
    return found.group(1)


def called(result: ToolResult, tool: str) -> bool:
    return result.call.name.endswith("_" + tool)


class BookingModel:
    """The model's script: each step is chosen from the tool results it has received so far."""

    def __init__(self, form_url: str) -> None:
        self.form_url = form_url

    def __call__(self, request: ChatRequest) -> Step:
        results = request.tool_results
        for result, tool in zip(results, STEPS, strict=False):
            assert called(result, tool), f"step {tool} answered by {result.call.name}"
        if len(results) == len(STEPS):
            return ANSWER
        step = STEPS[len(results)]
        name = request.tool_named(step)
        if step == "navigate":
            return ToolCall(name, {"url": self.form_url})
        if step == "snapshot":
            return ToolCall(name, {})
        snapshot = results[1].text  # the model reads refs from the snapshot it received
        if step == "type":
            return ToolCall(name, {"ref": ref_in(snapshot, 'textbox "Passenger name"'), "text": PASSENGER})
        return ToolCall(name, {"ref": ref_in(snapshot, 'button "Book now"')})


@pytest.fixture
def model(site: Site) -> Iterator[FakeLLM]:
    fake = FakeLLM(BookingModel(site.url("/form.html"))).start()
    yield fake
    fake.stop()


@pytest.fixture
def remote_server(chromium: PersonChromium) -> Iterator[HttpServer]:
    """browser-mcp serving HTTP with a bearer token, as the remote entry expects it."""
    server = HttpServer("--cdp-url", chromium.cdp_url, "--token", TOKEN, "--log-level", "WARNING").start()
    yield server
    server.stop()


def local_entry(example: dict[str, Any], cdp_url: str) -> dict[str, Any]:
    """The example's local entry, run from this checkout and attached to the test's Chromium."""
    program, *args = example["mcp"][LOCAL]["command"]
    assert program == "browser-mcp" and "--cdp-url" in args
    args[args.index("--cdp-url") + 1] = cdp_url
    return {"command": [*SERVER_COMMAND, *args]}


def assert_the_model_booked(model: FakeLLM, run: Run, uses: list[dict[str, Any]] | None = None) -> None:
    """What reached the model: our tools, a snapshot with refs, and no error at any step. `uses`: the
    tool calls as the session holds them (default: as `run` printed them)."""
    assert run.returncode == 0 and not run.errors, f"{run.errors}\n{run.stderr}\n{run.log_tail}"
    assert model.errors == [], f"{model.errors}\n{run.log_tail}"
    offered = model.tool_requests[0]
    for tool in CORE_TOOLS:
        offered.tool_named(tool)  # each of our tools is offered once, under the server's name

    uses = run.tool_uses if uses is None else uses
    assert [use["state"]["status"] for use in uses] == ["completed"] * len(STEPS), uses
    results = model.tool_results
    assert [r.call.name for r in results] == [use["tool"] for use in uses]
    assert all(called(result, tool) for result, tool in zip(results, STEPS, strict=True)), results
    assert not any(r.text.startswith("Error") for r in results), results

    navigated, snapshot, typed, clicked = (r.text for r in results)
    assert "Form" in navigated
    ref_in(snapshot, 'heading "Booking"')
    field_ref = ref_in(snapshot, 'textbox "Passenger name"')
    button_ref = ref_in(snapshot, 'button "Book now"')
    assert "Passenger name" in typed and field_ref in typed, typed
    assert "Book now" in clicked and button_ref in clicked, clicked
    # The click's result reached the model too: it was asked once more, and answered.
    assert len(model.tool_requests) == len(STEPS) + 1


async def assert_the_person_sees_the_booking(person: Person, site: Site) -> None:
    tab = await person.tab_in_front()
    await expect(tab).to_have_url(site.url("/form.html"))
    await expect(tab.get_by_label("Passenger name")).to_have_value(PASSENGER)
    await expect(tab.get_by_role("status")).to_have_text(re.compile(rf"^Submitted {PASSENGER} /"))


async def test_local_entry_lets_opencode_drive_the_persons_tab(
    tmp_path: Path, chromium: PersonChromium, person: Person, site: Site, model: FakeLLM
) -> None:
    """The example's local entry: OpenCode starts browser-mcp over stdio; its agent books a seat."""
    example = example_config()
    assert example["mcp"][LOCAL]["enabled"] and not example["mcp"][REMOTE]["enabled"]
    config = {
        **with_entry(example, LOCAL, **local_entry(example, chromium.cdp_url)),
        **fake_model(model.base_url),
    }
    opencode = OpenCode(tmp_path, config)

    assert (await opencode.mcp_list()) == {LOCAL: "connected", REMOTE: "disabled"}, opencode.log_tail()

    run = await opencode.run(PROMPT)
    assert_the_model_booked(model, run)
    await assert_the_person_sees_the_booking(person, site)


async def test_remote_entry_lets_opencode_serve_drive_the_persons_tab(
    tmp_path: Path, remote_server: HttpServer, person: Person, site: Site, model: FakeLLM
) -> None:
    """The example's remote entry: `opencode serve` sends the bearer token it reads from
    BROWSER_MCP_TOKEN ({env:...} in the header), reports the server connected, and a prompt sent to
    that server makes its agent book a seat."""
    example = example_config()
    config = with_entry(example, LOCAL, enabled=False)
    config = with_entry(config, REMOTE, url=remote_server.url, enabled=True)
    opencode = OpenCode(tmp_path, {**config, **fake_model(model.base_url)}, {"BROWSER_MCP_TOKEN": TOKEN})

    async with opencode.serve(password="serve-secret") as served:
        assert (await served.mcp_status()) == {
            LOCAL: {"status": "disabled"},
            REMOTE: {"status": "connected"},
        }, opencode.log_tail()
        run = await opencode.run(PROMPT, "--attach", served.url, "--password", "serve-secret")
        # `run --attach` sometimes exits before printing the last tool call or the final text; the
        # session has them.
        assert_the_model_booked(model, run, await served.tool_uses(run.session_id))
        assert await served.last_answer(run.session_id) == ANSWER

    await assert_the_person_sees_the_booking(person, site)


async def test_opencode_keeps_every_setting_of_the_example(tmp_path: Path) -> None:
    """OpenCode 1.18.33 silently drops keys it does not know and turns an entry with a bad value into
    `{"enabled": false}`: the example must come back from OpenCode exactly as written."""
    example = example_config()
    resolved = (await OpenCode(tmp_path, example).resolved_config())["mcp"]
    redacted = with_entry(example, REMOTE, headers={"Authorization": "***"})["mcp"]
    assert resolved == redacted
