"""Fixtures of the browser tests: one Chromium per module (its driver stops with it, so that asyncio tests
after it find no running loop), one ``strongroom serve`` per module, a fresh context (profile state) per
user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.web.browser import CHROMIUM_ARGS, chromium_path
from tests.web.pages import Person, sign_up
from tests.web.server import WebServer, start_server

PAGE_TIMEOUT = 30_000  # ms: a click or a read on a shared machine; the slow crypto steps wait longer (SLOW)


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


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """The module's own server: its data and log in a folder named after the module (web-export, ...)."""
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_").replace("_", "-")
    base = tmp_path_factory.mktemp(name)
    running = start_server(base / "data", base / "server.log")
    try:
        yield running
    finally:
        running.stop()


class Pages:
    """Opens the module's browser pages, each in a context of its own, all closed when the module ends."""

    def __init__(self, browser: Browser, server: WebServer) -> None:
        self._browser = browser
        self._server = server
        self._contexts: list[BrowserContext] = []

    def new(self, *, accept_downloads: bool = False) -> Page:
        """A blank page in a fresh context (no profile state shared with another user)."""
        context = self._browser.new_context(accept_downloads=accept_downloads)
        context.set_default_timeout(PAGE_TIMEOUT)
        self._contexts.append(context)
        return context.new_page()

    def signed_up(self, person: Person, *, accept_downloads: bool = False) -> tuple[Page, str]:
        """A new page on the welcome screen where ``person`` creates an account; the page (on Cards) and the
        secret key it showed."""
        page = self.new(accept_downloads=accept_downloads)
        page.goto(f"{self._server.url}/")
        return page, sign_up(page, person)

    def close(self) -> None:
        while self._contexts:
            self._contexts.pop().close()


@pytest.fixture(scope="module")
def pages(browser: Browser, server: WebServer) -> Iterator[Pages]:
    # After browser and server: the contexts close before the browser and the server stop.
    opened = Pages(browser, server)
    try:
        yield opened
    finally:
        opened.close()
