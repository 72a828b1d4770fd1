"""The new pages not walked elsewhere at both widths pass axe (WCAG 2.1 A and AA) at 1280 px and 390 px, on the
demo data: the resident's case page with the rating form, the public figures (/evaluations/, also in English), a
webhook delivery's page in the partner space; and, for officials, the follow-up queue and a follow-up, and the
partner decision page."""

import pytest
from django.db import transaction

from applications.constants import Status
from applications.models import Application
from common.testing.browser import official_signs_in, sign_in, totp_code
from complaints.models import FollowUp
from identity.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME
from identity.models import User
from identity.oauth.services import partner_authorization_record
from partners.events import event_publish
from partners.models import Partner
from partners.webhooks.services import webhook_subscribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _check(page, url: str, width: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(url)
    assert response.status == 200, url
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{width} {url}\n{results.generate_report()}"


@pytest.mark.parametrize("width", WIDTHS)
def test_rating_webhook_delivery_and_official_pages_pass_axe(live_server, new_page, demo_data, width):
    resident = User.objects.get(mobile="13800138000")
    case = Application.objects.get(applicant=resident, status=Status.CONCLUDED, service_item__isnull=False)
    partner = Partner.objects.get(enterprise__legal_representative=resident)
    application = partner.clients.get(application__client_id="demo-partner-web").application
    partner_authorization_record(user=resident, application=application, scopes=["applications:read"])
    webhook_subscribe(
        partner=partner,
        url="https://partner.example.cn/hooks",
        event_types=["application.status_changed"],
        actor=resident,
    )
    with transaction.atomic():
        event = event_publish(
            event_type="application.status_changed",
            resource_type="application",
            resource_id=case.case_number,
            data={"case_number": case.case_number},
            user=resident,
        )
    delivery = event.deliveries.get()
    followup = FollowUp.objects.order_by("pk").first()

    page = new_page(viewport=WIDTHS[width])
    sign_in(page, live_server, resident)
    for path in (
        f"/my/applications/{case.case_number}/",
        "/evaluations/",
        "/en/evaluations/",
        f"/partners/webhooks/{partner.pk}/deliveries/",
        f"/partners/webhooks/{partner.pk}/deliveries/{delivery.pk}/",
    ):
        _check(page, live_server.url + path, width)

    official = new_page(viewport=WIDTHS[width])
    official_signs_in(official, live_server)  # official-amr: the demo's rating in rectification is theirs
    for path in ("/admin/complaints/followup/", f"/admin/complaints/followup/{followup.pk}/change/"):
        _check(official, live_server.url + path, width)
    # The partner decision page: the demo's platform administrator (its own password).
    official.context.clear_cookies()
    official.goto(live_server.url + "/admin/login/?next=/admin/")
    official.locator("#id_username").fill(DEMO_ADMIN_USERNAME)
    official.locator("#id_password").fill(DEMO_ADMIN_PASSWORD)
    official.locator("#id_otp_token").fill(totp_code(DEMO_ADMIN_USERNAME))
    official.locator("input[type=submit]").click()
    official.wait_for_url(live_server.url + "/admin/")
    _check(official, f"{live_server.url}/admin/partners/partner/{partner.pk}/decide/", width)
