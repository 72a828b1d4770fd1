"""The whole resident journey in a real browser, on the demo data, with a real
Celery worker delivering the notifications through the outbox."""

import io
import re

import pytest
from django.core.management import call_command

from applications.constants import Status
from applications.models import Application
from common.testing.browser import official_signs_in, wait_for
from common.testing.files import pdf_file
from notifications.models import InboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

ITEM = "440100-SCJG-005"  # 食品经营许可证核发, handled by 市场监管 (official-amr's queue)


def test_resident_applies_official_processes_resident_supplements_and_is_told(
    live_server, new_page, celery_worker_process, tmp_path
):
    call_command("seed_demo", stdout=io.StringIO())
    document = pdf_file(tmp_path / "经营场所平面图.pdf")

    resident = new_page()
    official = new_page(viewport={"width": 1280, "height": 900})

    # The resident signs in and opens the service from its guide.
    resident.goto(live_server.url + "/account/login/")
    resident.get_by_label("手机号码或用户名").fill("13800138000")
    resident.get_by_label("密码").fill("tongban-demo")
    resident.get_by_role("button", name="登录").click()
    resident.goto(live_server.url + f"/services/{ITEM}/")
    resident.get_by_role("link", name="在线办理").first.click()

    # An enterprise item: the only enterprise they may apply for is named, without a question.
    assert "办理对象：通办演示餐饮管理有限公司" in resident.locator("main").inner_text()
    resident.get_by_role("button", name="开始申请").click()

    # The form arrives prefilled from what the portal holds; authoritative values are locked.
    enterprise_name = resident.locator("#id_enterprise_name")
    assert enterprise_name.input_value() == "通办演示餐饮管理有限公司"
    assert enterprise_name.is_disabled()
    assert resident.locator("#id_contact_name").input_value() == "张三"
    # The demo enterprise applied before: what it answered then comes back, editable.
    assert resident.locator("#id_food_safety_manager").input_value() == "王小红"
    assert not resident.locator("#id_food_safety_manager").is_disabled()
    resident.locator("#id_premises_address").fill("广州市天河区体育西路1号")
    resident.get_by_role("button", name="保存草稿").click()

    # They upload a PDF for every material on the same page, then review and submit.
    rows = resident.locator("[data-material-row]")
    for index in range(rows.count()):
        row_id = resident.locator("[data-material-row]").nth(index).get_attribute("id")
        resident.locator(f"#{row_id} input[type=file]").set_input_files(document)
        resident.locator(f"#{row_id} .tag--done").wait_for()
    resident.get_by_role("button", name="下一步：核对信息").click()
    resident.wait_for_url(re.compile(r".*/review/$"))
    resident.get_by_role("button", name="提交申请").click()
    resident.wait_for_url(re.compile(r".*/my/applications/[A-Z]+-\d{8}-\d{6}/$"))
    case_number = resident.url.rstrip("/").rsplit("/", 1)[1]
    application = Application.objects.get(case_number=case_number)
    assert application.status == Status.SUBMITTED

    # The official signs in to the admin with a TOTP code, accepts and asks for a supplement.
    official_signs_in(official, live_server)
    change_url = live_server.url + f"/admin/applications/application/{application.pk}/change/"
    official.goto(change_url)
    official.locator('form.case-decision:has(input[value="受理"]) input[type=submit]').click()
    official.goto(change_url)
    supplement = official.locator('form.case-decision:has(input[value="要求补正"])')
    supplement.locator("textarea").fill("请补充经营场所平面图（加盖公章）。")
    supplement.locator("input[type=submit]").click()
    assert wait_for(lambda: Application.objects.get(pk=application.pk).status == Status.SUPPLEMENT_REQUESTED)

    # The resident supplements.
    resident.goto(live_server.url + f"/my/applications/{case_number}/")
    assert resident.get_by_text("请补充经营场所平面图（加盖公章）。").first.is_visible()
    resident.get_by_label("上传补正文件（PDF、PNG或JPEG）").set_input_files(document)
    resident.get_by_role("button", name="上传", exact=True).click()
    resident.get_by_role("button", name="提交补正").click()
    assert wait_for(lambda: Application.objects.get(pk=application.pk).status == Status.RESUBMITTED)
    # The file is marked as the supplement, with the request it answers, for both sides.
    resident.goto(live_server.url + f"/my/applications/{case_number}/")
    materials = resident.locator("section[aria-labelledby=materials-title]").inner_text()
    assert "补正材料" in materials and "请补充经营场所平面图（加盖公章）。" in materials
    official.goto(change_url)
    official_materials = official.locator("section[aria-labelledby=case-materials-title]").inner_text()
    assert "补正材料" in official_materials and "请补充经营场所平面图（加盖公章）。" in official_materials

    # The official approves.
    official.goto(change_url)
    official.locator('form.case-decision:has(input[value="准予许可"]) input[type=submit]').click()
    assert wait_for(lambda: Application.objects.get(pk=application.pk).status == Status.APPROVED)

    # The resident sees the timeline and the message in the inbox (delivered by the worker).
    resident.goto(live_server.url + f"/my/applications/{case_number}/")
    timeline = resident.locator("section[aria-labelledby=timeline-title]")
    for step in ("已提交", "已受理", "待补正", "已补正", "准予许可"):
        assert timeline.get_by_text(step).first.is_visible(), step
    assert wait_for(
        lambda: (
            InboxMessage.objects.filter(user=application.applicant, body__contains=case_number)
            .filter(title__contains="准予许可")
            .exists()
        )
    ), celery_worker_process.log()[-3000:]
    resident.goto(live_server.url + "/my/messages/")
    assert resident.get_by_text(re.compile(f"{case_number}.*准予许可")).first.is_visible()
