"""Fixtures of the browser tests: one Chromium per module (its driver stops with it, so that asyncio tests
after it find no running loop), a fresh context (profile state) per user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.web.browser import CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    # launch() gives the browser a fresh temporary user-data-dir, removed on close.
    chromium = playwright_driver.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield chromium
    finally:
        chromium.close()
