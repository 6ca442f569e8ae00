"""Browser tests of the hall's pages: Debian's chromium driven by Playwright
(never a downloaded browser), headless; the fixtures every folder's page tests use
(tests/conftest.py offers them)."""
import os

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]  # a Chinese hall PC


# Per module, not per session: Playwright's sync API keeps an event loop running on the
# main thread while it is open, and tests after the page tests (asyncio.run) must not see it.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as pw:
        # A hall's PC is Chinese: its date fields read 2026/12/09 (chromium-l10n, LANG).
        env = {**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True, env=env)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_at(browser):
    """page_at(width, height) -> a fresh page of that viewport; closed after the test."""
    made = []

    def make(width: int = 1920, height: int = 1080):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        made.append(ctx)
        return ctx.new_page()
    yield make
    for ctx in made:
        ctx.close()

