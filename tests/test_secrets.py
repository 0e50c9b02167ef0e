"""Secrets the person types never reach the model: not in a snapshot, a scoped one, a paged one, or a reply.

The person fills /secrets.html with their own connection: a name (ordinary), a password typed key by key,
a long new password (shown by Playwright on the line after its placeholder), a one-time code, a backup code
in a number field, and a card number and security code in two iframes, one from the same origin and one
from another (localhost instead of 127.0.0.1: an out-of-process frame).
"""

from __future__ import annotations

import re
import statistics
import time

from playwright.async_api import Frame, Page, expect

from browser_mcp.browser.secrets import HIDDEN, Secrets, hide_secrets, mask, read_secrets
from tests.support.agent import Agent
from tests.support.person import Person
from tests.support.site import Site
from tests.support.snapshots import ref_of

NAME = "Ada Lovelace"
PASSWORD = "hunter2-secret"
# Longer than a small snapshot budget, with quotes, a colon and a hash that make Playwright quote it.
NEW_PASSWORD = 'correct "horse": battery #staple ' * 40
OTP = "739214"
BACKUP_CODE = "012345"
CARD = "4111 1111 1111 1111"  # in the same-origin iframe
CVC = "731"
OTHER_CARD = "5555555555554444"  # in the cross-origin iframe
OTHER_CVC = "962"


async def person_fills_the_checkout(agent: Agent, person: Person, site: Site) -> Page:
    await agent.ok("navigate", url=site.url("/secrets.html"))
    return await person_fills(await person.tab_in_front())


async def person_fills(tab: Page) -> Page:
    await tab.locator("#name").fill(NAME)
    await tab.locator("#password").press_sequentially(PASSWORD)
    await tab.locator("#new-password").fill(NEW_PASSWORD)
    await tab.locator("#otp").fill(OTP)
    await tab.locator("#backup").fill(BACKUP_CODE)
    same, other = tab.frame_locator("#same"), tab.frame_locator("#other")
    await same.locator("#card").fill(CARD)
    await same.locator("#cvc").press_sequentially(CVC)
    await other.locator("#card").fill(OTHER_CARD)
    await other.locator("#cvc").fill(OTHER_CVC)
    await other.locator("#holder").fill("ADA L")
    await tab.locator("#password").focus()  # the person is still on the password field
    return tab


def assert_no_secret(reply: str) -> None:
    """No secret in any form: as typed, without spaces, quoted, or a piece of the long one."""
    for secret in (PASSWORD, OTP, BACKUP_CODE, CARD, CARD.replace(" ", ""), OTHER_CARD, "horse", "staple"):
        assert secret not in reply, f"{secret!r} leaked:\n{reply}"
    for short in (CVC, OTHER_CVC):  # not as a number of its own (the cut note has numbers like 1,731)
        assert not re.search(rf"(?<![\d,.]){short}(?![\d,])", reply), f"{short!r} leaked:\n{reply}"


def assert_hidden_with_ref(reply: str, label: str) -> str:
    """The field's line keeps its role, name and ref and says its value is hidden; returns the ref."""
    ref = ref_of(reply, label)
    line = next(line for line in reply.splitlines() if f"[ref={ref}]" in line)
    index = reply.splitlines().index(line)
    following = reply.splitlines()[index + 1 : index + 3]
    assert line.endswith(f": {HIDDEN}") or any(HIDDEN in after for after in following), line
    return ref


async def test_snapshot_hides_every_secret_value_and_keeps_the_fields(
    agent: Agent, person: Person, site: Site
) -> None:
    await person_fills_the_checkout(agent, person, site)
    reply = await agent.ok("snapshot")

    assert_no_secret(reply)
    assert re.search(rf'textbox "Full name" \[ref=e\d+\]: {NAME}$', reply, re.MULTILINE), reply
    assert "ADA L" in reply  # the name on the card is not a secret
    assert_hidden_with_ref(reply, 'textbox "Password"')
    assert_hidden_with_ref(reply, 'textbox "New password"')
    assert "/placeholder: At least 12 characters" in reply
    assert_hidden_with_ref(reply, 'textbox "One-time code"')
    assert_hidden_with_ref(reply, 'spinbutton "Backup code"')
    for prefix in ("f1", "f2"):  # both iframes, whichever order they were numbered in
        assert re.search(rf'textbox "Card number" \[ref={prefix}e\d+\]: \[secret value hidden\]', reply)
        assert re.search(rf'textbox "Security code" \[ref={prefix}e\d+\]: \[secret value hidden\]', reply)
    # An empty secret field shows nothing special.
    assert re.search(r'textbox "Empty password" \[ref=e\d+\]$', reply, re.MULTILINE), reply


async def test_scoped_and_paged_snapshots_hide_them_too(agent: Agent, person: Person, site: Site) -> None:
    await person_fills_the_checkout(agent, person, site)
    whole = await agent.ok("snapshot")

    scoped = await agent.ok("snapshot", ref=ref_of(whole, 'form "Checkout"'))
    assert_no_secret(scoped)
    assert NAME in scoped
    assert_hidden_with_ref(scoped, 'textbox "Password"')

    # The card number in the cross-origin iframe (the second one on the page).
    card_ref = re.findall(r'textbox "Card number" \[ref=(f\d+e\d+)\]', whole)[1]
    in_frame = await agent.ok("snapshot", ref=card_ref)
    assert_no_secret(in_frame)
    assert f"[ref={card_ref}]: {HIDDEN}" in in_frame

    # The smallest budget, page by page to the end: no part holds a secret (not even a cut piece).
    parts, offset = [], 0
    while True:
        part = await agent.ok("snapshot", max_chars=1_000, offset=offset)
        assert_no_secret(part)
        parts.append(part)
        more = re.search(r"Next: snapshot\(offset=(\d+), max_chars=1000\)", part)
        if not more:
            break
        offset = int(more.group(1))
    assert len(parts) > 1
    assert sum(NAME in part for part in parts) == 1


async def test_the_agent_can_still_type_into_a_secret_field(agent: Agent, person: Person, site: Site) -> None:
    tab = await person_fills_the_checkout(agent, person, site)
    ref = assert_hidden_with_ref(await agent.ok("snapshot"), 'textbox "Password"')

    reply = await agent.ok("type", ref=ref, text="another-s3cret")
    assert "another-s3cret" not in reply
    assert ref in reply
    await expect(tab.locator("#password")).to_have_value("another-s3cret")

    after = await agent.ok("snapshot")
    assert "another-s3cret" not in after
    assert_hidden_with_ref(after, 'textbox "Password"')


async def detached_frame(tab: Page) -> Frame:
    """A frame the page has removed: it can no longer answer."""
    async with tab.expect_event("frameattached") as attached:
        await tab.evaluate(
            "document.body.append(Object.assign(document.createElement('iframe'), {id: 'gone'}))"
        )
    frame = await attached.value
    await tab.evaluate("document.getElementById('gone').remove()")
    assert frame.is_detached()
    return frame


async def test_a_frame_that_cannot_answer_costs_its_values_not_the_snapshot(
    person: Person, site: Site
) -> None:
    """An iframe that does not answer: every field value inside iframes is hidden, the page's own stay."""
    tab = await person.tab_in_front()
    await tab.goto(site.url("/secrets.html"))
    await person_fills(tab)
    text = await tab.aria_snapshot(mode="ai")
    gone = await detached_frame(tab)

    secrets = await read_secrets(tab.main_frame, [*tab.frames, gone])
    assert secrets.blind_frames and not secrets.blind_main
    hidden = mask(text, secrets)
    assert_no_secret(hidden)
    assert NAME in hidden  # the page answered: its ordinary field is shown
    assert "ADA L" not in hidden  # inside an iframe: hidden to be safe
    assert re.search(r'textbox "Name on card" \[ref=f\d+e\d+\]: \[secret value hidden\]', hidden)

    # The page itself does not answer: every field value is hidden.
    nothing = mask(text, await read_secrets(gone, [gone]))
    assert_no_secret(nothing)
    assert NAME not in nothing and "ADA L" not in nothing
    assert re.search(r'textbox "Full name" \[ref=e\d+\]: \[secret value hidden\]', nothing)
    assert "/placeholder: At least 12 characters" in nothing


async def test_a_secret_the_person_changes_after_the_snapshot_stays_hidden(
    person: Person, site: Site
) -> None:
    """The snapshot is read, then the person goes on typing in the password field before it is checked."""
    tab = await person.tab_in_front()
    await tab.goto(site.url("/secrets.html"))
    await tab.locator("#password").press_sequentially(PASSWORD)
    text = await tab.aria_snapshot(mode="ai")

    await tab.keyboard.press("Backspace")  # the field no longer holds what the snapshot shows
    assert PASSWORD not in await hide_secrets(tab, text)
    await tab.keyboard.type("t-and-more")
    assert PASSWORD not in await hide_secrets(tab, text)


def test_secret_values_are_hidden_in_names_texts_and_urls_but_not_in_refs() -> None:
    """Everywhere the value is shown whole (4+ characters), in each spelling; the line structure stays."""
    text = "\n".join(
        [
            "- generic [ref=e1234]:",
            "  - 'checkbox \"Trust: code 1234 for it''s me\" [ref=e5]'",
            '  - link "Resend 1234" [ref=e6]:',
            "    - /url: /verify?code=1234",
            '  - text: "1234"',
            '  - textbox "Code" [ref=e7]: "1234"',
            '  - textbox "Pass" [ref=e8]: "say \\"hi\\": x"',
            '  - textbox "Typing" [ref=e9]: say "h',
            '  - textbox "Other" [ref=e10]: "123"',
            '  - textbox "CVC" [ref=e11]: "99"',
            "  - paragraph [ref=e12]: Total 99.00",
            '  - textbox "Note" [ref=e13]: my pin is 1234 ok',
        ]
    )
    secrets = Secrets(values=frozenset({"1234", 'say "hi": x', "99"}))
    assert mask(text, secrets).split("\n") == [
        "- generic [ref=e1234]:",
        f"  - 'checkbox \"Trust: code {HIDDEN} for it''s me\" [ref=e5]'",
        f'  - link "Resend {HIDDEN}" [ref=e6]:',
        f"    - /url: /verify?code={HIDDEN}",
        f"  - text: {HIDDEN}",
        f'  - textbox "Code" [ref=e7]: {HIDDEN}',
        f'  - textbox "Pass" [ref=e8]: {HIDDEN}',
        f'  - textbox "Typing" [ref=e9]: {HIDDEN}',  # the start of a secret: typed on since, or cut
        '  - textbox "Other" [ref=e10]: "123"',
        f'  - textbox "CVC" [ref=e11]: {HIDDEN}',
        "  - paragraph [ref=e12]: Total 99.00",  # short values only where they are the whole value
        f'  - textbox "Note" [ref=e13]: {HIDDEN}',  # a field holding a secret: all of it
    ]


async def test_hiding_costs_nothing_without_field_values(person: Person, site: Site) -> None:
    """A page whose snapshot shows no field value is not asked anything; one with secrets, once per frame."""
    tab = await person.tab_in_front()

    async def cost_ms(path: str, fill: bool = False) -> tuple[float, float]:
        await tab.goto(site.url(path))
        if fill:
            await person_fills(tab)
        started = time.perf_counter()
        text = await tab.aria_snapshot(mode="ai")
        snapshot_ms = (time.perf_counter() - started) * 1000
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            hidden = await hide_secrets(tab, text)
            runs.append((time.perf_counter() - started) * 1000)
        assert (hidden == text) != fill
        return statistics.median(runs), snapshot_ms

    checkout, checkout_snapshot = await cost_ms("/secrets.html", fill=True)
    form, form_snapshot = await cost_ms("/form.html")
    big, big_snapshot = await cost_ms("/big")
    print(
        f"\nhiding secrets: /secrets.html (3 frames, filled) {checkout:.2f} ms "
        f"(snapshot {checkout_snapshot:.0f} ms); /form.html (no values) {form:.3f} ms "
        f"(snapshot {form_snapshot:.0f} ms); /big (no values) {big:.2f} ms (snapshot {big_snapshot:.0f} ms)"
    )
    assert form < 1 and big < 20  # a regex, no round trip
    assert checkout < 250  # one evaluate per frame, in parallel
