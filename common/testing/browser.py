"""The browser tests' one setup: Debian's Chromium driven by Playwright, launched once per test
process, a fresh browser context for each page a test opens (closed when the test ends), and the
helpers several browser tests need (signing in, TOTP codes, waiting for the worker).

Loaded by the root conftest.py as a pytest plugin. Never downloads a browser.
"""

import os
import time
from collections.abc import Callable

import pytest
from django.conf import settings

PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium driven by Playwright, one for the whole test process."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Chromium not found at {executable}: .ci/run installs the Debian package 'chromium'.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium_browser):
    """Opens a page in a fresh context (its own cookies), Chinese locale, phone width unless told;
    every context it opened is closed when the test ends."""
    contexts = []

    def open_page(*, viewport: dict | None = None, locale: str = "zh-CN"):
        context = chromium_browser.new_context(locale=locale, viewport=viewport or PHONE)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page on a 390 px phone, in a context of its own."""
    return new_page()


def session_cookie(live_server, user) -> dict:
    """A session cookie for ``user`` on the live server, signed in without the login form."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def sign_in(page, live_server, user) -> None:
    """Signs ``user`` in on ``page``'s context by its session cookie."""
    page.context.add_cookies([session_cookie(live_server, user)])


def totp_code(username: str) -> str:
    """The current code of ``username``'s confirmed TOTP device (the demo officials have one)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wait_for(predicate: Callable[[], bool], timeout: float = 60) -> bool:
    """Whether ``predicate`` came true within ``timeout`` seconds (checked every quarter second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def official_signs_in(page, live_server, username: str = "official-amr", password: str | None = None) -> None:
    """A demo official signs in to the admin through its login form, with the demo password (or
    ``password``: the demo administrator has its own) and a TOTP code."""
    from identity.demo import DEMO_PASSWORD

    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password or DEMO_PASSWORD)
    page.locator("#id_otp_token").fill(totp_code(username))
    page.locator("input[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")


# axe at a desktop and a phone width; WCAG 2.1 A and AA, plus axe's best practices (a box named
# only by its tooltip, landmarks named alike) and its experimental rules (a link whose name does
# not contain its visible text): any of them rated serious or critical fails a page.
AXE_WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE_RULES = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}
AXE_BLOCKING = {"serious", "critical"}

# The admin's navigation sidebar lists every app and model the official may see, the same on every
# admin page: 600 of an admin page's 700 elements, two thirds of axe's time there. A checker checks
# it whole on the first admin page it visits; then only the rows the admin marks as the page's own
# (the current app's caption, the current model's row), which it styles differently.
AXE_SIDEBAR_ALREADY_CHECKED = [
    "#nav-sidebar .module:not(.current-app)",
    "#nav-sidebar .current-app tr:not(.current-model)",
]


class AxeChecker:
    """Runs axe (``AXE_RULES``) on pages and collects every serious or critical violation, for one
    report of all that is left to fix: ``goto`` a path (which must answer 200) or ``run`` on the page
    as it is, then ``assert_clean``."""

    def __init__(self, live_server, width: str):
        from axe_playwright_python.sync_playwright import Axe

        self.live_server, self.width, self.axe = live_server, width, Axe()
        self.problems: list[str] = []
        self.visited: list[str] = []
        self._sidebar_checked = False

    def goto(self, page, path: str) -> None:
        response = page.goto(self.live_server.url + path, wait_until="load")
        if response.status != 200:
            pytest.fail(f"{path}: {response.status}")
        self.run(page, path)

    def run(self, page, where: str) -> None:
        has_sidebar = page.locator("#nav-sidebar").count() > 0
        if has_sidebar and self._sidebar_checked:
            context = {"exclude": [[selector] for selector in AXE_SIDEBAR_ALREADY_CHECKED]}
            results = self.axe.run(page, context=context, options=AXE_RULES)
        else:
            results = self.axe.run(page, options=AXE_RULES)
        self._sidebar_checked |= has_sidebar
        self.visited.append(where)
        for violation in results.response["violations"]:
            if violation["impact"] in AXE_BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:5]
                rule = f"{violation['id']} ({violation['impact']}) {violation['help']}"
                self.problems.append(f"{where}: {rule} {targets}")

    def assert_clean(self) -> None:
        if self.problems:
            pytest.fail(f"{self.width}:\n" + "\n".join(self.problems))
