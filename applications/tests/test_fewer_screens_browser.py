"""三少一快 in a real browser, on the demo data: the demo enterprise's agent applies for the food
licence, 企业设立登记 and the 开办餐饮店 bundle. Each time most of the form is already filled in
(≥ 70%), the materials go up on the form page (several files at once, each checked as it
arrives), and the road from the guide to "submitted" takes at most 5 page loads. The pages on
the way pass axe (no serious or critical violation) at desktop and phone width."""

import re
from pathlib import Path

import pytest

from applications.constants import Status
from applications.models import Application
from common.testing.files import pdf_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENT = "13800138001"  # 李四, who acts for the demo enterprise only
PASSWORD = "tongban-demo"
MAX_PAGE_LOADS = 5
PREFILL_TARGET = 0.7
VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
JOURNEYS = [
    ("食品经营许可证核发", "/services/440100-SCJG-005/", "在线办理"),
    ("企业设立登记", "/services/440100-SCJG-001/", "在线办理"),
    ("开办餐饮店一件事", "/bundles/restaurant/", "一次申请，全部办理"),
]


def _serious_violations(page) -> list[str]:
    """axe's serious and critical findings, at desktop width and on a 390 px phone."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        results = Axe().run(page, options=WCAG)
        found += [
            f"{viewport['width']}px {violation['id']}: {violation['help']}"
            for violation in results.response["violations"]
            if violation.get("impact") in ("serious", "critical")
        ]
    return found


def _answer_what_is_left(page) -> None:
    """Fill the fields nothing could answer, as the applicant would."""
    form = page.locator("#application-form")
    for field in form.locator("input:not([type=hidden]):enabled, textarea:enabled").all():
        if field.input_value():
            continue
        kind = field.get_attribute("type") or "text"
        if kind == "number":
            field.fill("100")
        elif kind == "date":
            field.fill("2026-12-01")
        elif "mobile" in (field.get_attribute("name") or ""):
            field.fill("13800138003")
        else:
            field.fill("测试填写")
    for select in form.locator("select:enabled").all():
        if not select.input_value():
            select.select_option(index=1)


def _upload_every_material(page, files, bad_file) -> None:
    """Choosing files is enough: they go up at once, each with its progress bar; the row then shows
    what the server accepted. A file that fails the checks is refused in place."""
    first = page.locator("[data-material-row]").first
    first.locator("input[type=file]").set_input_files(bad_file)
    first_id = first.get_attribute("id")
    page.locator(f"#{first_id} .errorlist").wait_for()
    assert Path(bad_file).name in page.locator(f"#{first_id} .errorlist").inner_text()
    rows = page.locator("[data-material-row]")
    for index in range(rows.count()):
        row = page.locator("[data-material-row]").nth(index)
        row_id = row.get_attribute("id")
        # The first material gets two files at once; each is checked as it arrives.
        chosen = files if index == 0 else files[:1]
        row.locator("input[type=file]").set_input_files(chosen)
        page.locator(f"#{row_id} .tag--done").wait_for()
        names = page.locator(f"#{row_id} .material-files").inner_text()
        assert all(Path(file).name in names for file in chosen), names
        bars = page.locator(f"#{row_id} .upload-progress progress")
        assert bars.count() == len(chosen)
        assert all(bar.get_attribute("value") == "100" for bar in bars.all())


@pytest.mark.parametrize(("name", "guide", "link"), JOURNEYS, ids=["food-licence", "company", "restaurant-bundle"])
def test_the_agent_applies_in_at_most_five_screens_with_most_fields_prefilled(
    live_server, new_page, demo_data, tmp_path, name, guide, link
):
    files = [pdf_file(tmp_path / "材料一.pdf"), pdf_file(tmp_path / "材料二.pdf")]
    bad_file = tmp_path / "不是PDF.pdf"
    bad_file.write_bytes(b"just some text, not a PDF")
    page = new_page(viewport=VIEWPORTS[0])
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("手机号码或用户名").fill(AGENT)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    loads = []
    page.on("load", lambda: loads.append(page.url))

    # 1: the guide.
    page.goto(live_server.url + guide)
    page.get_by_role("link", name=link).first.click()
    # 2: the start page names the only enterprise the agent acts for, without a question.
    page.wait_for_url(re.compile(r".*/applications/(new|bundles)/.*"))
    assert "办理对象：通办演示餐饮管理有限公司" in page.locator("main").inner_text()
    assert page.locator("input[name=principal][type=radio]").count() == 0
    page.get_by_role("button", name=re.compile("开始申请|继续申请")).click()

    # 3: the form, mostly filled in; the share is stated on the page.
    page.wait_for_url(re.compile(r".*/applications/drafts/\d+/$"))
    summary = page.locator(".prefill-summary")
    filled, total = int(summary.get_attribute("data-prefilled")), int(summary.get_attribute("data-total"))
    assert f"已为您自动填写 {filled}/{total} 项" in summary.inner_text()
    assert filled / total >= PREFILL_TARGET, (name, filled, total)
    # Fields the government holds are locked and say where they come from and when.
    name_field = page.locator("#id_enterprise_name")
    assert name_field.is_disabled() and name_field.input_value() == "通办演示餐饮管理有限公司"
    assert "来自：企业登记信息" in page.locator("#application-form").inner_text()
    assert _serious_violations(page) == []

    _upload_every_material(page, files, str(bad_file))
    _answer_what_is_left(page)
    page.get_by_role("button", name="下一步：核对信息").click()

    # 4: the review screen.
    page.wait_for_url(re.compile(r".*/applications/drafts/\d+/review/$"))
    assert "核对申请信息" in page.locator("h1").inner_text()
    assert "材料一.pdf" in page.locator("main").inner_text()
    assert _serious_violations(page) == []
    page.get_by_role("button", name="提交申请").click()

    # 5: submitted.
    page.wait_for_url(re.compile(r".*/my/applications/[A-Z]+-\d{8}-\d{6}/$"))
    page.wait_for_load_state()
    case_number = page.url.rstrip("/").rsplit("/", 1)[1]
    assert Application.objects.get(case_number=case_number).status in (Status.SUBMITTED, Status.ACCEPTED)
    assert len(loads) <= MAX_PAGE_LOADS, loads
