"""One Chromium per browser-test module, started through Playwright with the settings every UI test uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, expect, sync_playwright
from support.ui_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


@pytest.fixture(scope="module")
def playwright_browser() -> Iterator[tuple[Playwright, Browser]]:
    """Playwright itself too, for tests that talk HTTP outside a page (signed-in API clients)."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield p, b
        b.close()


@pytest.fixture(scope="module")
def browser(playwright_browser: tuple[Playwright, Browser]) -> Browser:
    return playwright_browser[1]
