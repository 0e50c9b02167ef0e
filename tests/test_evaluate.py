"""evaluate: the agent's own JavaScript, offered only with --allow-evaluate; its result comes back as text
within the budget and without the person's secrets; what it does to the page is told as after any action."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from tests.support.agent import Agent, stdio_agent
from tests.support.chromium import PersonChromium
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of
from tests.test_secrets import assert_no_secret, person_fills_the_checkout


@pytest.fixture
async def scripted(chromium: PersonChromium) -> AsyncIterator[Agent]:
    async with stdio_agent(
        "--cdp-url",
        chromium.cdp_url,
        "--action-timeout",
        "2",
        "--overlay-ms",
        "0",
        "--allow-evaluate",
        "--blocked-origins",
        "localhost",
    ) as client:
        yield client


async def test_evaluate_is_offered_only_when_the_server_allows_it(agent: Agent, scripted: Agent) -> None:
    assert "evaluate" not in {tool.name for tool in (await agent.client.list_tools()).tools}
    assert "evaluate" in {tool.name for tool in (await scripted.client.list_tools()).tools}
    refused = await agent.fails("evaluate", function="document.title")
    assert "evaluate" in refused, refused


async def test_a_script_reads_the_page_or_an_element_and_its_result_is_readable(
    scripted: Agent, site: Site
) -> None:
    await scripted.ok("navigate", url=site.url("/form.html"))
    assert "Result: Form" in await scripted.ok("evaluate", function="document.title")
    snapshot = await scripted.ok("snapshot")
    button = ref_of(snapshot, 'button "Book now"')
    reply = await scripted.ok("evaluate", function="(el) => el.textContent.toUpperCase()", ref=button)
    assert "Result: BOOK NOW" in reply, reply
    counted = await scripted.ok(
        "evaluate",
        function="async () => { await new Promise(r => setTimeout(r, 50)); return {n: 3, ok: true}; }",
    )
    assert 'Result: {"n":3,"ok":true}' in counted, counted
    # What JSON cannot say is named: elements, repeats and cycles, undefined, functions, Maps.
    odd = await scripted.ok(
        "evaluate",
        function="() => { const o = {h: document.querySelector('h1'), m: new Map([['a', 1]]), f: function go() {},"
        " big: 10n, inf: Infinity}; o.self = o; return o; }",
    )
    assert '"h":"<h1> Booking"' in odd and '"m":{"a":1}' in odd and '"f":"[function go]"' in odd, odd
    assert '"big":"10n"' in odd and '"inf":"Infinity"' in odd and '"self":"[shown above]"' in odd, odd
    assert "returned nothing (undefined)" in await scripted.ok("evaluate", function="() => {}")


async def test_a_script_that_fails_says_why_and_the_server_goes_on(scripted: Agent, site: Site) -> None:
    await scripted.ok("navigate", url=site.url("/form.html"))
    thrown = await scripted.fails("evaluate", function="() => { throw new TypeError('no such order') }")
    assert "The script threw an error: TypeError: no such order" in thrown, thrown
    assert "UtilityScript" not in thrown and "at eval" not in thrown, thrown
    broken = await scripted.fails("evaluate", function="() => {")
    assert "not valid JavaScript (SyntaxError" in broken and "() =>" in broken, broken
    stuck = await scripted.fails("evaluate", function="() => new Promise(() => {})")
    assert "did not return within 2 s" in stuck, stuck
    assert "Result: Form" in await scripted.ok("evaluate", function="document.title")


async def test_what_a_script_does_to_the_page_is_told(scripted: Agent, person: Person, site: Site) -> None:
    await scripted.ok("navigate", url=site.url("/form.html"))
    reply = await scripted.ok(
        "evaluate", function="() => { document.getElementById('out').textContent = 'Checked by script'; }"
    )
    assert "returned nothing" in reply and "Checked by script" in reply, reply
    dialog = await scripted.ok("evaluate", function="() => { alert('Saved!'); return 1; }")
    assert "dialog" in dialog and "Saved!" in dialog, dialog
    await scripted.ok("handle_dialog", accept=True)
    # A navigation the script starts is the agent's: the URL policy holds.
    away = site.url("/landing-script.html").replace("127.0.0.1", "localhost")
    refused = await scripted.call("evaluate", function=f"() => {{ location.href = {away!r}; }}")
    assert "--blocked-origins" in refused.text, refused.text
    assert "/landing-script.html" not in site.paths_requested
    await expect(person.tabs[0]).not_to_have_url(away)


async def test_a_big_result_is_cut_to_the_budget(scripted: Agent, site: Site) -> None:
    await scripted.ok("navigate", url=site.url("/form.html"))
    reply = await scripted.ok("evaluate", function="() => 'x'.repeat(100000) + 'END'")
    assert len(reply) <= 16_000 and "END" not in reply, len(reply)
    assert "cut at 9,600 of 100,003 characters" in reply, reply[:300]


async def test_the_persons_secrets_are_hidden_from_what_a_script_returns(
    scripted: Agent, person: Person, site: Site
) -> None:
    await person_fills_the_checkout(scripted, person, site)
    every_field = (
        "() => { const card = document.querySelector('#same').contentDocument;"
        " return [...document.querySelectorAll('input'), ...card.querySelectorAll('input')]"
        ".map((input) => [input.id, input.value]); }"
    )
    reply = await scripted.ok("evaluate", function=every_field)
    assert_no_secret(reply)
    assert '["name","Ada Lovelace"]' in reply and '["cvc","[secret value hidden]"]' in reply, reply
    alone = await scripted.ok("evaluate", function="() => document.querySelector('#password').value")
    assert "Result: [secret value hidden]" in alone, alone
    thrown = await scripted.fails(
        "evaluate", function="() => { throw new Error(document.querySelector('#password').value) }"
    )
    assert_no_secret(thrown)
