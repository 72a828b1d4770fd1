"""The apply page in a real Chromium: prefilled and locked fields, autosave from the static
script under the CSP, an upload and submission, all by label and keyboard; and the message
page's mark-read script."""

import re
import uuid
from pathlib import Path

import pytest

from applications.constants import Status
from applications.models import Application
from applications.tests.factories import pdf_bytes, private_media_root, published_item, resident
from common.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    with private_media_root(settings, tmp_path / "private") as root:
        yield root


def test_a_resident_applies_with_a_prefilled_form_autosave_and_an_upload(live_server, page, tmp_path):
    item = published_item()
    user = resident(real_name="李小明")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/applications/new/{item.code}/")
    page.get_by_role("button", name="开始申请").click()  # the GET only offers the button
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
    # Choosing the file uploads it in place (application-materials.js): no page load.
    page.get_by_label(re.compile("上传文件")).set_input_files(str(Path(pdf)))
    page.locator("[data-material-status]").filter(has_text="已上传：身份证明.pdf").wait_for()
    assert page.locator(".material .tag--done").count() == 1

    page.get_by_label("联系电话").fill("13912345678")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：核对信息").click()
    assert page.locator("h1").inner_text().startswith("核对申请信息")
    assert "身份证明.pdf" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").click()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert page.url.endswith(f"/my/applications/{application.case_number}/")
    assert "等待工作人员受理" in page.locator("main").inner_text()
    assert problems == []


def test_the_resident_pages_pass_axe_wcag_2_1_aa(live_server, page):
    from axe_playwright_python.sync_playwright import Axe

    from applications.services import application_start
    from applications.tests.factories import application_in
    from notifications.models import OutboxMessage
    from notifications.services import outbox_message_deliver

    item = published_item(certificate_type_code="household_register")
    user = resident()
    case = application_in(
        Status.SUPPLEMENT_REQUESTED, applicant=user, item=item, data={"mobile": "13912345678", "address": "广州市"}
    )
    for message in OutboxMessage.objects.filter(channel="inbox"):
        outbox_message_deliver(message_id=message.pk)
    draft = application_start(applicant=user, item_code=published_item(code="TEST-RES-002").code)
    sign_in(page, live_server, user)

    def check(path: str) -> None:
        page.goto(live_server.url + path)
        results = Axe().run(
            page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
        )
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"

    check(f"/applications/drafts/{draft.pk}/")
    # The draft page with errors on the form and on an upload.
    page.get_by_label("联系电话").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：核对信息").click()
    assert page.locator("#submit-errors").is_visible()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
    assert results.violations_count == 0, results.generate_report()
    check(f"/applications/drafts/{draft.pk}/review/")
    check("/my/applications/")
    check(f"/my/applications/{case.case_number}/")
    check(f"/my/applications/{case.case_number}/withdraw/")
    check("/my/messages/")
    check("/en/my/applications/")


def test_an_opened_message_is_marked_read_by_the_pages_script(live_server, page):
    from notifications.models import InboxMessage

    user = resident()
    message = InboxMessage.objects.create(
        user=user, outbox_id=uuid.uuid4(), title="办件已受理", body="您的办件已受理。"
    )
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, user)

    with page.expect_response(re.compile(r"/read/$")) as marked:
        page.goto(f"{live_server.url}/my/messages/{message.pk}/")
    assert marked.value.ok
    page.get_by_role("button", name="标为已读").wait_for(state="hidden")
    message.refresh_from_db()
    assert message.read_at is not None
    assert problems == []
