"""The pension certification in a real Chromium, on the demo data: the demo resident opens
资格认证 from the menu, certifies their father as family agent through the sandbox face check
(consent first), and the social-security official sees the campaign's progress change in the
admin. Axe checks the resident's pages at 390 px and the campaign page at 1280 px."""

import pytest
from django.contrib.auth import get_user_model

from benefits import demo
from benefits.constants import Path, TaskStatus
from benefits.models import Campaign, CertificationTask
from common.testing.browser import official_signs_in, sign_in
from identity.models import FaceCheck

pytestmark = [pytest.mark.browser]
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


def _count(page, testid: str) -> int:
    return int(page.get_by_test_id(testid).inner_text().strip())


def test_the_demo_resident_certifies_their_father_and_the_official_sees_the_progress(live_server, new_page, demo_data):
    resident = get_user_model().objects.get(username="13800138000")
    father = get_user_model().objects.get(username=demo.PARENT_MOBILE)
    task = CertificationTask.objects.get(
        beneficiary__id_number_digest=father.id_number_digest, status=TaskStatus.PENDING
    )
    campaign = Campaign.objects.get(pk=task.campaign_id)

    official = new_page(viewport={"width": 1280, "height": 900})
    official_signs_in(official, live_server, username=demo.OFFICIAL_USERNAME)
    campaign_url = f"{live_server.url}/admin/benefits/campaign/{campaign.pk}/change/"
    official.goto(campaign_url)
    official.get_by_test_id("campaign-progress").wait_for()
    certified_before = _count(official, "progress-certified")
    pending_before = _count(official, "progress-pending")
    assert _count(official, "path-agent_face") == 0
    _assert_accessible(official, "campaign progress, 1280 px")
    official.goto(f"{live_server.url}/admin/benefits/homevisitrequest/")
    official.get_by_text("龙口西路").first.wait_for()  # the demo's visit to make
    _assert_accessible(official, "visit list, 1280 px")
    official.goto(f"{live_server.url}/admin/benefits/certificationtask/{task.pk}/change/")
    official.get_by_role("button", name="本人到场，认证通过").wait_for()
    _assert_accessible(official, "task page, 1280 px")

    page = new_page()
    sign_in(page, live_server, resident)
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="菜单")
    if menu.is_visible():
        menu.click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="资格认证").click()
    assert page.url.endswith("/my/benefits/")
    _assert_accessible(page, "my benefits, 390 px")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=f"为{demo.PARENT_NAME}代办认证").click()
    # The other ways are always there, the check waits for the consent.
    page.get_by_role("heading", name="不方便刷脸？还可以这样认证").wait_for()
    _assert_accessible(page, "certify page, 390 px")
    certify_url = page.url
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="申请上门认证").click()
    page.get_by_label("上门地址").wait_for()
    _assert_accessible(page, "home visit request, 390 px")
    page.goto(certify_url)
    page.get_by_role("button", name="同意并开始刷脸认证").click()
    assert not FaceCheck.objects.exists()  # the browser refuses the unticked box
    page.get_by_label("我已阅读上述告知，同意本次人脸识别").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="同意并开始刷脸认证").click()
    page.get_by_text("沙箱 SANDBOX").first.wait_for()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="通过", exact=True).click()
    page.get_by_test_id("result").get_by_text("认证成功").wait_for()
    _assert_accessible(page, "result page, 390 px")

    task.refresh_from_db()
    assert (task.status, task.path, task.certified_by) == (TaskStatus.CERTIFIED, Path.AGENT_FACE, resident)
    assert FaceCheck.objects.get().user == resident

    official.goto(campaign_url)
    official.get_by_test_id("campaign-progress").wait_for()
    assert _count(official, "progress-certified") == certified_before + 1
    assert _count(official, "progress-pending") == pending_before - 1
    assert _count(official, "path-agent_face") == 1


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_resident_pages_pass_axe_at_desktop_and_phone_width(live_server, new_page, demo_data, width):
    from axe_playwright_python.sync_playwright import Axe

    viewport = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}[width]
    resident = get_user_model().objects.get(username="13800138000")
    father = get_user_model().objects.get(username=demo.PARENT_MOBILE)
    task = CertificationTask.objects.filter(beneficiary__id_number_digest=father.id_number_digest).latest("pk")
    page = new_page(viewport=viewport)
    sign_in(page, live_server, resident)
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    for path in (
        "/my/benefits/",
        f"/my/benefits/{task.pk}/",
        f"/my/benefits/{task.pk}/home-visit/",
        "/en/my/benefits/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        results = Axe().run(page, options=wcag)
        assert results.violations_count == 0, f"{width} {path}\n{results.generate_report()}"
