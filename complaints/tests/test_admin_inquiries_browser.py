"""The inquiry queue in a real Chromium, on the demo data: official-amr finds a report in the
queue, its reporter hidden, answers it from the page; axe checks the queue and the page at
1280 and 390 px."""

import pytest
from django.contrib.auth.models import Permission

from applications.models import DepartmentOfficial
from common.testing.browser import PHONE, official_signs_in
from complaints.constants import InquiryStatus, Kind
from complaints.models import Inquiry

from .factories import resident, submitted_inquiry
from .test_evaluation_browser import _assert_accessible

pytestmark = [pytest.mark.browser]


def test_an_official_answers_a_report_without_seeing_the_reporter(live_server, new_page, demo_data):
    membership = DepartmentOfficial.objects.select_related("user", "department").get(user__username="official-amr")
    membership.user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="complaints", codename__in=["handle_inquiry", "view_inquiry"]
        )
    )
    reporter = resident(display_name="举报人乙")
    report = submitted_inquiry(
        kind=Kind.REPORT, submitter=reporter, about_department=membership.department, subject="某商户虚假宣传"
    )
    assert report.department_id == membership.department_id

    # One sign-in: a TOTP code is accepted once, so the phone width is the same page resized.
    official = new_page(viewport={"width": 1280, "height": 900})
    official_signs_in(official, live_server)
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        official.set_viewport_size(viewport)
        official.goto(f"{live_server.url}/admin/complaints/inquiry/")
        official.get_by_role("link", name=report.reference).wait_for()
        _assert_accessible(official, f"inquiry queue at {viewport['width']} px")
        with official.expect_navigation(wait_until="load"):
            official.get_by_role("link", name=report.reference).click()
        official.get_by_label("答复内容").wait_for()
        _assert_accessible(official, f"inquiry page at {viewport['width']} px")
        text = official.locator("body").inner_text()
        assert "（举报人信息已隐藏）" in text
        assert "举报人乙" not in text

    official.get_by_label("答复内容").fill("已立案调查，责令商户整改。")
    official.get_by_role("button", name="答复").click()
    official.get_by_text("已完成：答复").wait_for()
    report.refresh_from_db()
    assert report.status == InquiryStatus.ANSWERED
    assert Inquiry.objects.get(pk=report.pk).answer == "已立案调查，责令商户整改。"
