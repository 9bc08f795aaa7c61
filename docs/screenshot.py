"""Make docs/sandbox.png, the README's picture of the sandbox: a stranger's answers and the card they made.

    pip install -e '.[test]' && python docs/screenshot.py [FILE]

Runs `python -m bot sandbox` with a throw-away database and photographs its page in a headless Chromium
(Playwright's own, or chromium / chromium-browser / google-chrome on PATH), as the browser tests do.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the sandbox driver and the browser lookup the browser tests use

from helpers.sandbox import Sandbox, chromium_or_reason  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


def answer(page, text: str) -> None:
    """Type one answer as the stranger."""
    page.fill("#stranger-text", text)
    page.press("#stranger-text", "Enter")


def bot_says(page, pane: str, text: str):
    """The bot's latest message in a pane containing text, once it is there."""
    message = page.locator(f"#{pane}-chat .msg.theirs", has_text=text).last
    message.wait_for()
    return message


def photograph(page, out: Path) -> None:
    """Walk a stranger through the questions until their card reaches the owner, then take the picture."""
    page.click("#new-stranger-toggle")
    page.fill("#new-stranger-form [name=first_name]", "Grace")
    page.fill("#new-stranger-form [name=last_name]", "Hopper")
    page.click("#new-stranger-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('stranger-name').textContent === 'Grace Hopper'")
    page.fill("#deeplink-source", "conf-talk")
    page.click("#deeplink-form button[type=submit]")
    bot_says(page, "stranger", "How did you find me?").get_by_role("button", name="Met in person").click()
    bot_says(page, "stranger", "tell me a bit more")
    answer(page, "At PyCon Porto 2025, we talked after your talk on type checkers")
    bot_says(page, "stranger", "Why would you like")
    answer(page, "I'd like to contribute the Unicode fixes we discussed to your type checker")
    last = page.locator("#stranger-chat .msg.theirs").filter(has_text="One more thing").or_(
        page.locator("#stranger-chat .msg.theirs").filter(has_text="Thank you")).last
    last.wait_for()
    if "One more thing" in last.inner_text():
        answer(page, "We met at the PyCon Porto sprint on the Saturday")
    bot_says(page, "owner", "Grace Hopper").get_by_role("button", name="Accept").wait_for()
    page.locator("#owner-commands .chip").first.wait_for()
    page.screenshot(path=str(out))


def main(argv: list[str]) -> int:
    """Write the screenshot to argv[0] (default docs/sandbox.png)."""
    out = Path(argv[0]) if argv else ROOT / "docs" / "sandbox.png"
    with tempfile.TemporaryDirectory(prefix="doorman-screenshot-") as scratch, sync_playwright() as playwright:
        chromium, reason = chromium_or_reason(playwright)
        if chromium is None:
            print(f"docs/screenshot.py: {reason}", file=sys.stderr)
            return 2
        sandbox = Sandbox(Path(scratch))
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            page.goto(sandbox.url)
            photograph(page, out)
        finally:
            browser.close()
            sandbox.stop()
    print(f"docs/screenshot.py: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
