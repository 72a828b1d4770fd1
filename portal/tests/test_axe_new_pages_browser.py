"""axe at desktop width and on a 390 px phone for the pages of the marketplace (中介超市), pension certification
(养老资格认证) and face check (实人认证) work that no other browser test checks at both widths, on the demo data.

The other pages of that work are checked elsewhere at both widths: the public marketplace pages and the buyer's
overview, form and posting page (portal/tests/test_axe_every_page_browser.py); 我的资格认证, the task (certify) page
and the home-visit request (benefits/tests/test_certify_browser.py); the SANDBOX face check page
(identity/tests/test_facecheck_browser.py); the inquiry queue and page, the follow-up list and page, the
supervision queue and card page (complaints/, partners/ and supervision/ browser tests).

Here: the agency's own pages, the agency register form, the buyer's draft edit form, the certification result
and face check result pages, the face check return page, and every new admin page of the marketplace, benefits
and identity (face checks, assurance changes) admins with their custom views (the decision page of an action,
a campaign's import page). As portal/tests/test_axe_every_page_browser.py: any serious or critical violation
fails, and each test reports every page's violations together.
"""

import datetime

import pytest
from django.utils import timezone

from benefits import demo as benefits_demo
from benefits.models import Beneficiary, Campaign, CertificationTask, HomeVisitRequest, ServiceHall
from common.testing.browser import AXE_WIDTHS, AxeChecker, official_signs_in, sign_in
from identity.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME
from identity.facecheck import register
from identity.facecheck.contrib.tencent import TencentFaceIdProvider
from identity.models import AssuranceChange, FaceCheck, User
from identity.tests.test_facecheck_tencent import BIZ_TOKEN, CONFIG
from marketplace import services as marketplace_services
from marketplace.constants import PostingStatus
from marketplace.models import Agency, Objection, Posting, Qualification, QualificationType, Rating, ServiceType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = AXE_WIDTHS
RESIDENT = "13800138000"
AGENCY_MOBILE = "13800138103"  # demo agency 3: quoted on the open survey posting, selected on a rated one


def _draft_posting(buyer: User) -> Posting:
    """A draft (unpublished) posting of the demo buyer, like one of theirs."""
    model = Posting.objects.filter(buyer_enterprise__legal_representative=buyer).order_by("pk").first() or (
        Posting.objects.order_by("pk").first()
    )
    return marketplace_services.posting_create(
        actor=buyer,
        enterprise=model.buyer_enterprise,
        service_type=model.service_type,
        title="门店消防设施检测（草稿）",
        scope="两家门店消防设施年度检测。",
        budget_fen=3_000_000,
        quote_deadline=timezone.now() + datetime.timedelta(days=7),
        selection_method="lowest_quote",
        objection_period_days=3,
        required_min_grade=None,
        service_item=None,
        publish=False,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_resident_and_agency_pages_pass_axe(live_server, new_page, demo_data, width):
    checker = AxeChecker(live_server, width)
    resident = User.objects.get(username=RESIDENT)

    # The agency's own pages: its page (services, qualifications, open postings) and a posting as it sees it,
    # open with its quote, and given to it and rated.
    agency_user = User.objects.get(username=AGENCY_MOBILE)
    agency = Agency.objects.get(enterprise__legal_representative=agency_user)
    open_posting = Posting.objects.filter(status=PostingStatus.OPEN, quotes__agency=agency).get()
    won_posting = Posting.objects.filter(results__agency=agency).order_by("pk").first()
    agency_page = new_page(viewport=WIDTHS[width])
    sign_in(agency_page, live_server, agency_user)
    for path in (
        f"/my/marketplace/agencies/{agency.pk}/",
        f"/my/marketplace/agencies/{agency.pk}/postings/{open_posting.reference}/",
        f"/my/marketplace/agencies/{agency.pk}/postings/{won_posting.reference}/",
        "/my/marketplace/",
    ):
        checker.goto(agency_page, path)

    # The buyer's draft edit form, the agency register form.
    draft = _draft_posting(Posting.objects.order_by("pk").first().created_by)
    buyer_page = new_page(viewport=WIDTHS[width])
    sign_in(buyer_page, live_server, draft.created_by)
    checker.goto(buyer_page, f"/my/marketplace/postings/{draft.reference}/edit/")
    checker.goto(buyer_page, f"/my/marketplace/postings/{draft.reference}/")
    page = new_page(viewport=WIDTHS[width])
    sign_in(page, live_server, resident)
    checker.goto(page, "/my/marketplace/agency/register/")

    # The certification's face check end to end: the sandbox page, then the certification result page, then
    # the face check's own result page.
    father = User.objects.get(username=benefits_demo.PARENT_MOBILE)
    task = CertificationTask.objects.get(beneficiary__id_number_digest=father.id_number_digest, status="pending")
    page.goto(f"{live_server.url}/my/benefits/{task.pk}/")
    page.get_by_label("我已阅读上述告知，同意本次人脸识别").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="同意并开始刷脸认证").click()
    page.get_by_text("沙箱 SANDBOX").first.wait_for()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="通过", exact=True).click()
    page.get_by_test_id("result").get_by_text("认证成功").wait_for()
    assert f"/my/benefits/{task.pk}/result/" in page.url
    checker.run(page, page.url.removeprefix(live_server.url))
    check = FaceCheck.objects.get(user=resident)
    checker.goto(page, f"/identity/face/result/{check.pk}/")
    checker.goto(page, f"/en/my/benefits/{task.pk}/result/?face_check={check.pk}")

    # The return page a provider sends the browser back to, its script held back so it stays on screen.
    provider = TencentFaceIdProvider("tencent", config=CONFIG)
    with register.fresh(empty=True):
        register.register("tencent", provider)
        page.route("**/facecheck-return.js", lambda route: route.abort())
        checker.goto(page, f"/identity/face/return/tencent/?token={BIZ_TOKEN}")

    checker.assert_clean()
    assert len(checker.visited) == 11


def _list_and_change(base: str, model) -> list[str]:
    obj = model.objects.order_by("pk").first()
    return [base] + ([f"{base}{obj.pk}/change/"] if obj is not None else [])


def _admin_pages() -> list[str]:
    campaign = Campaign.objects.order_by("pk").first()
    return [
        "/admin/marketplace/",
        *_list_and_change("/admin/marketplace/agency/", Agency),
        *_list_and_change("/admin/marketplace/qualification/", Qualification),
        *_list_and_change("/admin/marketplace/posting/", Posting),
        *_list_and_change("/admin/marketplace/objection/", Objection),
        *_list_and_change("/admin/marketplace/rating/", Rating),
        *_list_and_change("/admin/marketplace/servicetype/", ServiceType),
        *_list_and_change("/admin/marketplace/qualificationtype/", QualificationType),
        "/admin/marketplace/servicetype/add/",
        "/admin/marketplace/qualificationtype/add/",
        "/admin/benefits/",
        "/admin/benefits/campaign/",
        f"/admin/benefits/campaign/{campaign.pk}/change/",
        f"/admin/benefits/campaign/{campaign.pk}/import/",
        "/admin/benefits/campaign/add/",
        *_list_and_change("/admin/benefits/certificationtask/", CertificationTask),
        *_list_and_change("/admin/benefits/homevisitrequest/", HomeVisitRequest),
        *_list_and_change("/admin/benefits/beneficiary/", Beneficiary),
        *_list_and_change("/admin/benefits/servicehall/", ServiceHall),
        "/admin/benefits/servicehall/add/",
        *_list_and_change("/admin/identity/facecheck/", FaceCheck),
        *_list_and_change("/admin/identity/assurancechange/", AssuranceChange),
    ]


# The admin is the officials' desktop tool: at desktop width every page above is checked. On a
# phone the same admin templates lay out the same widgets, so the phone run checks each app's index,
# one list and one change page of each app, and the pages of our own (the campaign import, the
# action's decision page), not every model again.
PHONE_ADMIN_MODELS = {"marketplace/posting", "benefits/certificationtask", "identity/facecheck"}


def _checked_at(width: str, path: str) -> bool:
    if width == "desktop":
        return True
    parts = path.strip("/").split("/")  # admin, app, model, ...
    app_index = len(parts) == 2
    own_page = path == "/admin/benefits/campaign/add/" or path.endswith("/import/")
    return app_index or own_page or "/".join(parts[1:3]) in PHONE_ADMIN_MODELS


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_admin_pages_pass_axe(live_server, new_page, demo_data, width):
    from identity.forms import FACE_CONSENT_TEXT
    from identity.services.facecheck import face_check_start

    # A face check and an assurance change to show (the demo makes neither).
    resident = User.objects.get(username=RESIDENT)
    face_check_start(
        user=resident,
        purpose="benefits.pension",
        reference="1",
        consent_given=True,
        consent_text=str(FACE_CONSENT_TEXT),
        return_url="/account/security/",
    )
    AssuranceChange.objects.create(
        user=resident, from_level=resident.assurance_level, to_level=resident.assurance_level, reason="face_check"
    )

    checker = AxeChecker(live_server, width)
    official = new_page(viewport=WIDTHS[width])
    official_signs_in(official, live_server, DEMO_ADMIN_USERNAME, password=DEMO_ADMIN_PASSWORD)
    pages = [path for path in _admin_pages() if _checked_at(width, path)]
    for path in pages:
        checker.goto(official, path)

    # An action's decision page (asks for the reason): cancel an open posting from the list.
    posting = Posting.objects.filter(status=PostingStatus.OPEN).order_by("pk").first()
    official.goto(live_server.url + "/admin/marketplace/posting/")
    official.locator(f"input[name=_selected_action][value='{posting.pk}']").check()
    official.locator("select[name=action]").select_option("cancel")
    with official.expect_navigation(wait_until="load"):
        official.locator("button[name=index]").click()
    assert posting.reference in official.locator("#content").inner_text() or posting.title in official.content()
    checker.run(official, "decision page (posting cancel)")

    checker.assert_clean()
    assert len(checker.visited) == len(pages) + 1 >= (34 if width == "desktop" else 10)
