"""The sandbox page in a real headless browser (Debian's chromium, driven by Playwright)."""

import json
import re
from pathlib import Path

import pytest
from helpers.sandbox import Sandbox

from bot.sandbox.world import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PAYLOAD = "<img src=x onerror=alert(1)>"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    # Missing tools fail (not skip): CI installs both, and a skipped browser test would hide a broken page.
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = Sandbox(tmp_path_factory.mktemp("sandbox-browser"))
    yield running
    log = running.stop()
    assert "Traceback" not in log, log


@pytest.fixture
def page(browser, sandbox):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.goto(sandbox.url)
    yield opened
    context.close()


def new_stranger(page, first_name: str, last_name: str = "") -> None:
    page.click("#new-stranger-toggle")
    page.fill("#new-stranger-form [name=first_name]", first_name)
    page.fill("#new-stranger-form [name=last_name]", last_name)
    page.click("#new-stranger-form button[type=submit]")
    full = f"{first_name} {last_name}".strip()
    page.wait_for_function("name => document.getElementById('stranger-name').textContent === name", arg=full)


def say(page, text: str) -> None:
    page.fill("#stranger-text", text)
    page.press("#stranger-text", "Enter")


def bot_message(page, pane: str, text: str):
    message = page.locator(f"#{pane}-chat .msg.theirs", has_text=text).last
    message.wait_for()
    return message


def answer_followup_if_asked(page, text: str) -> None:
    """The bot may ask one automatic follow-up after the last answer (issue 6); answer it if it does."""
    last = page.locator("#stranger-chat .msg.theirs").filter(has_text=re.compile("One more thing|Thank you")).last
    last.wait_for()
    if "One more thing" in last.inner_text():
        say(page, text)


def test_a_stranger_answers_the_questions_and_the_owner_accepts(page, sandbox):
    new_stranger(page, "Grace", "Hopper")
    page.fill("#deeplink-source", "conf-talk")
    page.click("#deeplink-form button[type=submit]")
    bot_message(page, "stranger", "How did you find me?").get_by_role("button", name="Met in person").click()
    bot_message(page, "stranger", "tell me a bit more")
    say(page, "At PyCon Porto 2025, we talked after your talk")
    bot_message(page, "stranger", "Why would you like")
    say(page, "I'd like to contribute the Unicode fixes we discussed to your type checker")

    card = bot_message(page, "owner", "Grace Hopper")
    assert card.locator(".body b").count() > 0, "the card's HTML is rendered, not shown as tags"
    assert "conf-talk" in card.inner_text()
    card.get_by_role("button", name="Accept").click()

    bot_message(page, "stranger", "accepted")
    decided = page.locator("#owner-chat .msg", has_text="Grace Hopper").filter(has_text="Accepted").last
    decided.locator(".edited").wait_for()
    assert decided.locator("button.kb").count() == 0, "the decided card lost its buttons, edited in place"
    assert page.locator("#owner-chat .msg", has_text="Grace Hopper").count() == 1
    mine = page.locator("#stranger-chat .msg.mine .body").all_inner_texts()
    assert mine == ["/start conf-talk", "At PyCon Porto 2025, we talked after your talk",
                    "I'd like to contribute the Unicode fixes we discussed to your type checker"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sandbox-two-panes.png"), full_page=True)
    assert page.dialogs == [] and page.errors == []


def test_markup_typed_by_a_stranger_is_shown_as_text(page, sandbox):
    new_stranger(page, PAYLOAD)
    say(page, "/start")
    greeting = bot_message(page, "stranger", "How did you find me?")
    say(page, PAYLOAD)
    bot_message(page, "stranger", "Why would you like")
    say(page, "<script>alert(2)</script><b>bold?</b>")
    answer_followup_if_asked(page, "<script>alert(2)</script><b>bold?</b>")
    card = bot_message(page, "owner", PAYLOAD)

    assert PAYLOAD in card.inner_text(), "the name and the answer reach the card as text"
    assert page.locator("#stranger-chat .msg.mine .body").all_inner_texts()[1:3] == [
        PAYLOAD, "<script>alert(2)</script><b>bold?</b>"]
    assert page.locator("#stranger-name").inner_text() == PAYLOAD
    assert greeting.is_visible()
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("#stranger-chat .msg.mine b").count() == 0
    assert page.dialogs == [], f"a dialog fired: {page.dialogs}"
    assert page.errors == []


def test_bot_html_is_rendered_from_telegrams_subset_and_nothing_else(page, sandbox):
    new_stranger(page, "Hedy")
    stranger = sandbox.state()["stranger"]
    sandbox.act("send", who="stranger", stranger=stranger, text="hello")
    html = ('<b>bold</b> <i>it</i> <u>under</u> <s>gone</s> <tg-spoiler>secret</tg-spoiler> '
            '<span class="tg-spoiler">also</span>\n<a href="https://example.org/x">site</a> '
            '<a href="javascript:alert(3)">js</a> <a href="tg://user?id=5">mention</a>\n'
            '<blockquote>quoted</blockquote><pre><code class="language-python">x = 1 &lt; 2</code></pre>')
    # The sandbox serves the Bot API too: send as the bot would, straight to the stranger.
    sent = sandbox.http.post(f"/bot{TOKEN}/sendMessage", content=json.dumps(
        {"chat_id": stranger, "text": html, "parse_mode": "HTML"}), headers={"Content-Type": "application/json"})
    assert sent.json()["ok"], sent.text
    body = bot_message(page, "stranger", "secret").locator(".body")

    for selector in ("b", "i", "u", "s", "blockquote", "pre > code", "span.spoiler", "span.tg-link"):
        assert body.locator(selector).count() >= 1, selector
    assert body.locator("span.spoiler").count() == 2
    assert body.locator("a").count() == 1
    assert body.locator("a").get_attribute("href") == "https://example.org/x"
    assert body.locator("a").get_attribute("rel") == "noopener noreferrer nofollow"
    assert "js" in body.inner_text() and "x = 1 < 2" in body.locator("pre").inner_text()
    assert page.dialogs == [] and page.errors == []


def test_a_message_to_the_owners_account_is_answered_as_that_account(page, sandbox):
    new_stranger(page, "Lin")
    page.select_option("#stranger-via", "business")
    say(page, "Hi Olga, about your talk")
    reply = page.locator("#stranger-chat .msg.theirs.business").first
    reply.wait_for()
    assert "as Olga Owner's account" in reply.locator(".label").inner_text()
    assert "to Olga Owner's account" in page.locator("#stranger-chat .msg.mine.business .label").inner_text()
    assert page.dialogs == [] and page.errors == []


def test_the_strangers_language_is_chosen_in_the_page(page, sandbox):
    new_stranger(page, "Jürgen", "Weber")
    page.select_option("#stranger-language", "de")
    page.wait_for_function("() => document.getElementById('stranger-language').value === 'de'")
    say(page, "/start")
    bot_message(page, "stranger", "Wie hast du mich gefunden?").get_by_role("button",
                                                                          name="Persönlich kennengelernt").wait_for()
    assert page.dialogs == [] and page.errors == []
