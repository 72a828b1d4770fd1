"""The dashboard in a real Chromium on the demo data, at 1280 px: the charts are drawn (the CSP
allows no inline script: ECharts and our script are static files), the page with every table
opened passes axe (WCAG 2.1 A and AA), and an official sees only their department.

With ``DASHBOARD_SCREENSHOT=docs/dashboard.png`` it also saves the screenshot in the docs:

    DASHBOARD_SCREENSHOT=docs/dashboard.png pytest dashboard/tests/test_dashboard_browser.py
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from applications.selectors import official_department_ids
from common.testing.browser import official_signs_in, totp_code
from identity.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME
from identity.models import User
from services.models import Department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGE = "/admin/dashboard/dashboard/"


def _admin_signs_in(page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.locator("#id_username").fill(DEMO_ADMIN_USERNAME)
    page.locator("#id_password").fill(DEMO_ADMIN_PASSWORD)
    page.locator("#id_otp_token").fill(totp_code(DEMO_ADMIN_USERNAME))
    page.locator("input[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")


def _open_dashboard(page, url: str) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    response = page.goto(url, wait_until="load")
    assert response.status == 200
    # Every section with data gets a chart drawn into a canvas.
    page.locator(".dashboard-chart canvas").first.wait_for()
    return errors


def test_the_dashboard_draws_its_charts_and_passes_axe(live_server, new_page, demo_data):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(viewport=DESKTOP)
    official_signs_in(page, live_server)  # official-amr: the demo grants their group the dashboard
    errors = _open_dashboard(page, live_server.url + PAGE)
    assert errors == []  # no CSP refusal, no script error
    charts = page.locator(".dashboard-chart:not([hidden])")
    assert charts.count() >= 5
    assert page.locator(".dashboard-chart:not([hidden]) canvas").count() == charts.count()
    # Each chart keeps its own label, which points at its table.
    assert charts.first.get_attribute("aria-label") == "办件量图表，数据见下方表格"
    headline = page.locator(".dashboard-headline").inner_text()
    assert "承诺时限内办结率" in headline
    # Only their own departments to choose from.
    official = User.objects.get(username="official-amr")
    theirs = Department.objects.filter(pk__in=official_department_ids(user=official)).order_by("order", "code")
    options = page.locator("#dashboard-department option").all_inner_texts()
    assert options[1:] == [department.name for department in theirs]
    assert Department.objects.count() > len(options)

    for summary in page.locator("details > summary").all():
        summary.click()
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    # And at phone width, on the same page (a second sign-in would reuse the TOTP code).
    page.set_viewport_size({"width": 390, "height": 844})
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()

    # The export link of a table downloads its CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="导出“按时办结率”（CSV）").click()
    assert download.value.suggested_filename.startswith("dashboard-on_time-day-")


def test_the_screenshot_of_the_dashboard(live_server, new_page, demo_data):
    """The platform administrator's view of every department (saved when DASHBOARD_SCREENSHOT names a file)."""
    page = new_page(viewport=DESKTOP)
    _admin_signs_in(page, live_server)
    errors = _open_dashboard(page, live_server.url + PAGE)
    assert errors == []
    page.wait_for_timeout(300)  # let the charts finish their first frame
    target = os.environ.get("DASHBOARD_SCREENSHOT")
    if target:
        path = Path(target) if Path(target).is_absolute() else Path(settings.BASE_DIR) / target
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
