"""In a real browser, on the demo data: the demo resident applies for the food business licence
for their enterprise using the business licence from the wallet instead of an upload, the official
approves, the new licence is issued into the wallet, and its QR code opens the public page: valid."""

import io
import re

import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image
from pypdf import PdfWriter

from applications.constants import MaterialSource, Status
from applications.models import Application
from certificates.models import Certificate
from common.testing.browser import official_signs_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "440100-SCJG-005"  # 食品经营许可证核发 (市场监管: official-amr's queue); issues 食品经营许可证


def _pdf(path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as handle:
        writer.write(handle)
    return str(path)


def test_resident_applies_with_a_wallet_certificate_and_the_issued_licence_verifies_by_qr(
    live_server, new_page, tmp_path
):
    call_command("seed_demo", stdout=io.StringIO())
    document = _pdf(tmp_path / "材料.pdf")
    resident = new_page(viewport={"width": 1280, "height": 1000})
    official = new_page(viewport={"width": 1280, "height": 900})

    resident.goto(live_server.url + "/account/login/")
    resident.get_by_label("手机号码或用户名").fill("13800138000")
    resident.get_by_label("密码").fill("tongban-demo")
    resident.get_by_role("button", name="登录").click()
    resident.goto(live_server.url + f"/applications/new/{ITEM}/")
    # The demo resident acts for one enterprise only: the page names it instead of asking.
    assert "办理对象：通办演示餐饮管理有限公司" in resident.locator("main").inner_text()
    resident.get_by_role("button", name="开始申请").click()
    resident.locator("#id_premises_address").fill("广州市天河区天河路100号")
    resident.get_by_role("button", name="保存草稿").click()

    # The business licence comes from the wallet: one click, no upload.
    wallet_choice = resident.locator("#materials form:has(input[name=holding])")
    assert wallet_choice.count() == 1
    assert "营业执照" in wallet_choice.inner_text()
    wallet_choice.get_by_role("button", name="使用该电子证照").click()
    # In place (application-materials.js): the material's row says it is provided.
    resident.locator("#materials .material:has(.wallet) .tag--done").wait_for()
    # Every other material is uploaded.
    application = Application.objects.filter(applicant__username="13800138000", status=Status.DRAFT).latest("pk")
    given = set(application.materials.values_list("requirement_id", flat=True))
    for requirement in application.service_version.materials.filter(mandatory=True).exclude(pk__in=given):
        form = resident.locator(
            f'#materials form:has(input[type=file]):has(input[name=requirement][value="{requirement.pk}"])'
        )
        form.locator("input[type=file]").set_input_files(document)
        resident.locator(f"#material-{requirement.pk} .tag--done").wait_for()
    resident.get_by_role("button", name="下一步：核对信息").click()
    resident.wait_for_url(re.compile(r".*/review/$"))
    resident.get_by_role("button", name="提交申请").click()
    resident.wait_for_url(re.compile(r".*/my/applications/[A-Z]+-\d{8}-\d{6}/$"))
    case_number = resident.url.rstrip("/").rsplit("/", 1)[1]
    application = Application.objects.get(case_number=case_number)
    assert application.materials.filter(source=MaterialSource.CERTIFICATE).count() == 1

    # The official accepts and approves.
    official_signs_in(official, live_server)
    change_url = live_server.url + f"/admin/applications/application/{application.pk}/change/"
    official.goto(change_url)
    official.locator('form.case-decision:has(input[value="受理"]) input[type=submit]').click()
    official.goto(change_url)
    official.locator('form.case-decision:has(input[value="准予许可"]) input[type=submit]').click()
    assert wait_for(lambda: Application.objects.get(pk=application.pk).status == Status.APPROVED, timeout=30)

    # The licence is in the wallet.
    issued = Certificate.objects.get(issuing_case_number=case_number)
    assert issued.type.name == "食品经营许可证"
    resident.goto(live_server.url + "/my/certificates/")
    resident.locator(f'a[href="/my/certificates/{issued.uuid}/"]').click()
    resident.wait_for_url(re.compile(f".*/my/certificates/{issued.uuid}/$"))
    assert issued.number in resident.content()

    # Its QR code, read from the screen, opens the public verification page: valid.
    shot = resident.locator(".qr").screenshot()
    decoded = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
    assert len(decoded) == 1 and decoded[0].startswith(live_server.url)
    anonymous = new_page(viewport={"width": 1280, "height": 720})
    anonymous.goto(decoded[0])
    outcome = anonymous.locator('[data-testid="outcome"]')
    assert outcome.get_attribute("data-outcome") == "valid"
    assert "有效" in outcome.inner_text()
    assert "通办演示餐饮管理有限公司" in anonymous.content()
