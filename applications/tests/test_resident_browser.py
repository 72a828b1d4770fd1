"""The apply page in a real Chromium: prefilled and locked fields, autosave from the static
script under the CSP, an upload and submission, all by label and keyboard."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from applications.constants import Status
from applications.models import Application
from applications.tests.resident_factories import pdf_bytes, published_item, resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def test_a_resident_applies_with_a_prefilled_form_autosave_and_an_upload(live_server, page, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    item = published_item()
    user = resident(real_name="李小明")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/applications/new/{item.code}/")
    assert page.locator("h1").inner_text() == "在线申请：测试许可事项"
    name = page.get_by_label("申请人姓名")
    assert name.input_value() == "李小明"
    assert name.is_disabled()
    assert page.get_by_label("身份证号码").input_value() == user.id_number_masked
    # The source note is the field's description for assistive technology.
    assert "来自：实名认证信息" in page.locator(f"#{name.get_attribute('aria-describedby')}").inner_text()

    # Autosave: typing, then leaving the field, saves the draft through the static script.
    page.get_by_label("联系地址").fill("广州市越秀区府前路1号")
    with page.expect_response(re.compile(r"/autosave/$")) as saved:
        page.get_by_label("联系地址").press("Tab")
    assert saved.value.ok
    page.locator("[data-autosave-status]").filter(has_text="草稿已自动保存").wait_for()
    application = Application.objects.get(applicant=user)
    assert application.form_data["address"] == "广州市越秀区府前路1号"

    pdf = tmp_path / "身份证明.pdf"
    pdf.write_bytes(pdf_bytes())
    page.get_by_label(re.compile("上传文件")).set_input_files(str(Path(pdf)))
    with page.expect_navigation():
        page.get_by_role("button", name="上传", exact=True).click()
    assert "已上传：身份证明.pdf" in page.locator(".messages").inner_text()

    page.get_by_label("联系电话").fill("13912345678")
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").click()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert page.url.endswith(f"/my/applications/{application.case_number}/")
    assert "等待工作人员受理" in page.locator("main").inner_text()
    assert problems == []
