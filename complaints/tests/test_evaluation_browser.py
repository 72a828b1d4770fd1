"""The issue's walk in a real Chromium, on the demo data: the demo resident rates the concluded
case 非常不满意, official-amr finds the follow-up in the queue, logs the callback, reports the
rectification and closes it, and the resident sees the result on the case page."""

import pytest
from django.contrib.auth import get_user_model

from applications.constants import Status
from applications.models import Application
from common.testing.browser import official_signs_in, sign_in
from complaints.constants import FollowUpStatus, Stage
from complaints.models import FollowUp
from notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser]
# As portal/tests/test_axe_every_page_browser.py: serious or critical violations fail.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}


def _assert_accessible(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [
        violation for violation in results.response["violations"] if violation.get("impact") in ("serious", "critical")
    ]
    assert blocking == [], f"{where}\n{results.generate_report()}"


def test_a_bad_rating_is_followed_up_and_the_resident_sees_the_result(live_server, new_page, demo_data):
    user = get_user_model().objects.get(username="13800138000")
    case = Application.objects.get(applicant=user, status=Status.CONCLUDED, service_item__isnull=False)

    resident = new_page()
    sign_in(resident, live_server, user)
    resident.goto(f"{live_server.url}/my/applications/{case.case_number}/")
    _assert_accessible(resident, "case page with the rating form")
    box = resident.locator("#evaluation-concluded")
    box.get_by_label("非常不满意").check()
    box.get_by_label("办理时间长").check()
    box.get_by_label("意见建议（选填）").fill("审批等了很久。")
    with resident.expect_navigation():
        box.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in resident.locator("main").inner_text()
    followup = FollowUp.objects.get(evaluation__application=case, evaluation__stage=Stage.CONCLUDED)
    assert "正在处理您的评价" in resident.locator("#evaluation-concluded").inner_text()

    official = new_page(viewport={"width": 1280, "height": 900})
    official_signs_in(official, live_server)
    official.goto(f"{live_server.url}/admin/complaints/followup/")
    # Axe runs on the loaded page: mid-navigation, the breadcrumbs can be measured before their stylesheet applies.
    with official.expect_navigation(wait_until="load"):
        official.get_by_role("link", name=case.case_number).click()
    official.get_by_role("textbox", name="回访记录").wait_for()
    _assert_accessible(official, "follow-up page")
    official.get_by_role("textbox", name="回访记录").fill("已电话回访，向申请人说明审批进度。")
    official.get_by_role("button", name="登记回访").click()
    official.get_by_label("整改情况").fill("已压缩审查环节，承诺时限缩短为3个工作日。")
    official.get_by_role("button", name="提交整改报告").click()
    official.get_by_role("button", name="办结并反馈群众").click()
    official.get_by_text("已完成：办结并反馈群众").wait_for()
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.CLOSED
    assert OutboxMessage.objects.filter(user=user, template="complaints.followup_result").exists()

    resident.reload()
    result = resident.locator("#evaluation-concluded").inner_text()
    assert "已办结" in result
    assert "承诺时限缩短为3个工作日" in result
    _assert_accessible(resident, "case page with the result")

    resident.goto(f"{live_server.url}/evaluations/")
    assert case.service_item.name in resident.locator("main").inner_text()
    _assert_accessible(resident, "public figures")
