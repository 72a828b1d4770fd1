"""The SANDBOX face check page and the provider return page in a real Chromium: the page is
labelled, accessible (axe) at phone and desktop width, opens no camera, and its choice reaches
the check; the return page posts the provider's token back by itself under our CSP."""

import httpx
import pytest
from django.test import override_settings

from common.testing.browser import sign_in
from identity.constants import FaceCheckDecision, FaceCheckStatus
from identity.facecheck import register
from identity.facecheck.contrib.tencent import TencentFaceIdProvider
from identity.forms import FACE_CONSENT_TEXT
from identity.models import FaceCheck
from identity.services.facecheck import face_check_start

from .factories import UserFactory
from .test_facecheck_tencent import BIZ_TOKEN, CONFIG, FakeFaceId, finished_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}
DESKTOP = {"width": 1280, "height": 900}


def _assert_accessible(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert blocking == [], f"{where}\n{results.generate_report()}"


def _start(user):
    return face_check_start(
        user=user,
        purpose="benefits.pension",
        reference="1",
        consent_given=True,
        consent_text=str(FACE_CONSENT_TEXT),
        return_url="/account/security/",
    )


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "desktop"])
def test_the_sandbox_page_is_labelled_accessible_and_its_choice_reaches_the_check(live_server, new_page, viewport):
    user = UserFactory(verified=True)
    check, redirect_url = _start(user)
    page = new_page(viewport=viewport)
    sign_in(page, live_server, user)
    camera_asked = []
    page.on("console", lambda message: camera_asked.append(message.text) if "getUserMedia" in message.text else None)

    page.goto(live_server.url + redirect_url)

    assert "沙箱" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("不会打开摄像头").is_visible()
    _assert_accessible(page, "the sandbox face check page")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="假体攻击（活体检测不通过）").click()

    assert page.url == f"{live_server.url}/account/security/?face_check={check.pk}"
    check.refresh_from_db()
    assert (check.status, check.decision) == (FaceCheckStatus.FAILED, FaceCheckDecision.LIVENESS_FAILED)
    assert camera_asked == []


def test_the_return_page_posts_the_token_back_by_itself(live_server, new_page):
    fake = FakeFaceId()
    provider = TencentFaceIdProvider("tencent", client=httpx.Client(transport=httpx.MockTransport(fake)), config=CONFIG)
    with register.fresh(empty=True), override_settings(FACE_CHECK_PROVIDER="tencent"):
        register.register("tencent", provider)
        user = UserFactory(verified=True)
        check, _ = _start(user)
        fake.text = finished_text(check)
        page = new_page()
        sign_in(page, live_server, user)

        page.goto(f"{live_server.url}/identity/face/return/tencent/?token={BIZ_TOKEN}")
        page.wait_for_url(f"{live_server.url}/account/security/?face_check={check.pk}")

    assert FaceCheck.objects.get(pk=check.pk).status == FaceCheckStatus.PASSED
