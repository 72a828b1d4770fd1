"""The resident's inquiry walk in a real Chromium, on the demo data: the demo resident opens 咨询投诉
from the menu, goes to a case and complains about it, keeps the reference and query code, finds the
item in 我的咨询投诉 with its timeline, and looks it up by reference and code. Axe checks the form,
the list, the item's page and the lookup page at 390 and 1280 px."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from PIL import Image

from applications.constants import Status
from applications.models import Application
from common.testing.browser import sign_in
from complaints.constants import Kind
from complaints.models import Inquiry

pytestmark = [pytest.mark.browser]
# As portal/tests/test_axe_every_page_browser.py: serious or critical violations fail.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}
DESKTOP = {"width": 1280, "height": 900}


def _assert_accessible(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [
        violation for violation in results.response["violations"] if violation.get("impact") in ("serious", "critical")
    ]
    assert blocking == [], f"{where}\n{results.generate_report()}"


def _png() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return {"name": "排队叫号单.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def _look_up(page, live_server, reference: str, query_code: str) -> None:
    page.goto(f"{live_server.url}/inquiries/track/")
    page.get_by_label("受理编号").fill(reference)
    page.get_by_label("查询码").fill(query_code)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="查询").click()


def test_a_resident_complains_about_a_case_and_follows_it(live_server, new_page, demo_data):
    cache.clear()  # the lookup is limited per address in the cache, which outlives the database
    user = get_user_model().objects.get(username="13800138000")
    case = Application.objects.filter(applicant=user, service_item__isnull=False).exclude(status=Status.DRAFT).first()

    page = new_page()
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="菜单")
    if menu.is_visible():
        menu.click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="咨询投诉").click()
    assert page.url.endswith("/my/inquiries/")
    page.get_by_role("heading", name="我的咨询投诉").wait_for()

    page.goto(f"{live_server.url}/my/applications/{case.case_number}/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="对本办件咨询或投诉").click()
    assert page.get_by_label("投诉", exact=True).is_checked()
    assert page.get_by_label("涉及的办件（选填）").input_value() == case.case_number
    _assert_accessible(page, "submission form, 390 px")

    page.get_by_label("标题", exact=True).fill("办件超过承诺时限")
    page.get_by_label("具体内容").fill("提交已经两周，还没有受理结果，电话也打不通。")
    # A file that is no image is refused on its field; what was typed stays, nothing is stored.
    stored = Inquiry.objects.count()
    page.get_by_label("附件（选填）").set_input_files(
        [{"name": "照片.png", "mimeType": "image/png", "buffer": b"<html><script>alert(1)</script></html>"}]
    )
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="提交", exact=True).click()
    assert "只接受PDF、PNG或JPEG文件" in page.locator("#id_attachments_error").inner_text()
    assert page.get_by_label("标题", exact=True).input_value() == "办件超过承诺时限"
    assert page.get_by_label("涉及的办件（选填）").input_value() == case.case_number
    assert Inquiry.objects.count() == stored
    _assert_accessible(page, "submission form with an error, 390 px")
    page.get_by_label("附件（选填）").set_input_files([_png()])
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="提交", exact=True).click()
    reference = page.get_by_test_id("inquiry-reference").inner_text().strip()
    query_code = page.get_by_test_id("inquiry-query-code").inner_text().strip()
    assert "查询码只显示这一次" in page.locator("main").inner_text()
    assert query_code not in page.url
    inquiry = Inquiry.objects.get(reference=reference)
    assert (inquiry.kind, inquiry.submitter, inquiry.application) == (Kind.COMPLAINT, user, case)
    _assert_accessible(page, "submitted, 390 px")

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="我的咨询投诉").first.click()
    row = page.get_by_test_id(f"inquiry-{reference}")
    assert "办件超过承诺时限" in row.inner_text()
    _assert_accessible(page, "list, 390 px")
    with page.expect_navigation(wait_until="load"):
        row.get_by_role("link", name=reference).click()
    timeline = page.get_by_test_id("inquiry-timeline").inner_text()
    assert "提交" in timeline
    assert "排队叫号单.png" in page.locator("main").inner_text()
    _assert_accessible(page, "item page, 390 px")

    page.goto(f"{live_server.url}/inquiries/report/")
    _assert_accessible(page, "anonymous report form, 390 px")
    page.goto(f"{live_server.url}/inquiries/track/")
    _assert_accessible(page, "lookup form, 390 px")
    _look_up(page, live_server, reference, query_code)
    assert page.get_by_test_id("inquiry-status").inner_text() == inquiry.get_status_display()
    _assert_accessible(page, "lookup result, 390 px")

    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, live_server, user)
    for url, where in (
        (f"/my/inquiries/new/?case={case.case_number}", "submission form"),
        ("/my/inquiries/", "list"),
        (f"/my/inquiries/{reference}/", "item page"),
        ("/inquiries/track/", "lookup form"),
        ("/inquiries/report/", "anonymous report form"),
    ):
        desktop.goto(f"{live_server.url}{url}")
        _assert_accessible(desktop, f"{where}, 1280 px")
    _look_up(desktop, live_server, reference, query_code)
    _assert_accessible(desktop, "lookup result, 1280 px")
