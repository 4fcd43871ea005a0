"""The dashboard's tests: a real `basics serve` (tests/api/conftest.py's `Server`) and, for
the pages, real headless Chromium from Debian driven by Playwright (never downloaded)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from serving import BASICS, Server, Watched, demo_server, own_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Also under the names tests/api/conftest.py gives them: test modules there import them
# `from conftest`, and which conftest module holds that name depends on the collection order.
__all__ = ["BASICS", "Server", "demo_server", "own_demo"]

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's `chromium`); skipped without it unless
    BASICS_REQUIRE_CHROMIUM is set, as CI sets it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("BASICS_REQUIRE_CHROMIUM"):
            pytest.fail("BASICS_REQUIRE_CHROMIUM is set but chromium is not installed")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A fresh page at desktop width (a test's `width` parameter changes it)."""
    width = WIDTHS[getattr(request, "param", "desktop")]
    context = browser.new_context(viewport={"width": width, "height": 900})
    watched = Watched(context.new_page())
    yield watched
    context.close()
