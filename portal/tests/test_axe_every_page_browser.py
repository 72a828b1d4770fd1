"""axe (WCAG 2.1 A and AA, and best practices) on every resident page and on the officials' queue and decision pages, at
desktop width and on a 390 px phone, on the demo data. Any serious or critical violation fails.

One test per width, both on the demo seeded once for the module: it visits every page and reports
every page's violations together, so one run shows all that is left to fix.
"""

import io

import pytest
from django.core.management import call_command

from applications.models import Application
from certificates.models import Certificate
from common.testing.browser import AXE_WIDTHS, AxeChecker, official_signs_in, sign_in
from common.testing.database import seeded_once
from identity.models import User
from marketplace.models import Agency, Posting
from notifications.models import InboxMessage
from notifications.services import outbox_due_ids, outbox_message_deliver
from payments.models import PaymentOrder
from services.models import Bundle, Department, LifeEvent, Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = AXE_WIDTHS
FOOD_LICENCE = "440100-SCJG-005"


def _seed_demo_and_deliver_its_messages() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    # No worker runs here: the relay delivers the demo's messages to the inbox in this process.
    for message_id in outbox_due_ids(grace_seconds=0):
        outbox_message_deliver(message_id=message_id)


# Both widths start from the same data: seeded once for the module, put back before each test.
_delivered_demo_snapshot, delivered_demo = seeded_once(_seed_demo_and_deliver_its_messages, name="delivered_demo")


def _resident_pages(resident) -> list[str]:
    case = Application.objects.filter(applicant=resident).exclude(case_number="").order_by("pk").first()
    message = InboxMessage.objects.filter(user=resident).order_by("pk").first()
    certificate = Certificate.objects.filter(holder_user=resident).order_by("pk").first()
    order = PaymentOrder.objects.order_by("pk").first()
    paths = [
        "/my/applications/",
        f"/my/applications/{case.case_number}/",
        "/my/messages/",
        f"/my/messages/{message.pk}/",
        "/my/certificates/",
        f"/my/certificates/{certificate.uuid}/",
        "/my/orders/",
        f"/my/orders/{order.out_trade_no}/",
        "/account/security/",
        "/account/authorizations/",
        "/account/eid/",
        "/account/enterprises/",
        f"/applications/new/{FOOD_LICENCE}/",
        # The marketplace (中介超市): the demo enterprise's postings, one with its published draw.
        "/my/marketplace/",
        "/my/marketplace/postings/new/",
        f"/my/marketplace/postings/{_drawn_posting().reference}/",
    ]
    return paths + ["/en" + path for path in ("/my/applications/", "/my/messages/", f"/services/{FOOD_LICENCE}/")]


def _public_pages() -> list[str]:
    return [
        "/",
        "/search/?q=营业执照",
        "/search/?q=没有这样的服务xyz",
        f"/services/{FOOD_LICENCE}/",
        "/services/440100-GA-002/",
        f"/topics/{Topic.objects.order_by('order').first().code}/",
        f"/bundles/{Bundle.objects.order_by('order').first().code}/",
        f"/life-events/{LifeEvent.objects.order_by('order').first().code}/",
        f"/departments/{Department.objects.order_by('order').first().code}/",
        "/account/login/",
        "/account/login/sms/",
        "/account/register/",
        "/en/",
        "/en/search/?q=licence",
        "/marketplace/",
        "/marketplace/agencies/?type=eia",
        f"/marketplace/agencies/{Agency.objects.filter(status='approved').order_by('pk').first().pk}/",
        "/marketplace/postings/",
        f"/marketplace/postings/{_drawn_posting().reference}/",
        "/marketplace/results/",
        "/en/marketplace/agencies/",
    ]


def _drawn_posting() -> Posting:
    """A demo posting given by random draw, its result published (seed, bidders, the check)."""
    return Posting.objects.filter(selection_method="random_draw", result__isnull=False).order_by("pk").first()


def _admin_pages() -> list[str]:
    case = (
        Application.objects.filter(service_item__code=FOOD_LICENCE, status="submitted").order_by("pk").first()
        or Application.objects.filter(service_item__department__code="scjg").exclude(case_number="").first()
    )
    base = "/admin/applications/application/"
    return [base, base + "?queue=pending", base + "?queue=review", f"{base}{case.pk}/change/"]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_has_no_serious_or_critical_axe_violation(live_server, new_page, delivered_demo, width):
    resident = User.objects.get(mobile="13800138000")
    newcomer = User.objects.create_user(username="13900139000", mobile="13900139000", password="tongban-demo")

    anonymous, signed_in, unverified, official = (new_page(viewport=WIDTHS[width]) for _ in range(4))
    sign_in(signed_in, live_server, resident)
    sign_in(unverified, live_server, newcomer)
    official_signs_in(official, live_server)

    checker = AxeChecker(live_server, width)
    for path in _public_pages():
        checker.goto(anonymous, path)
    for path in _resident_pages(resident):
        checker.goto(signed_in, path)
    checker.goto(unverified, "/account/verify/")
    for path in _admin_pages():
        checker.goto(official, path)
    assert len(checker.visited) >= 30
    checker.assert_clean()

    if width == "desktop":
        # The officials' queue fits a 1280 px screen: no horizontal scrolling.
        official.goto(live_server.url + "/admin/applications/application/")
        assert official.evaluate("document.documentElement.scrollWidth") <= WIDTHS["desktop"]["width"]
    else:
        _menu_folds_behind_a_button(anonymous, live_server)


def _menu_folds_behind_a_button(page, live_server) -> None:
    """On a 390 px phone the header is one row; the menu opens and closes from the keyboard."""
    page.goto(live_server.url + "/")
    toggle = page.get_by_role("button", name="菜单")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="找服务").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 80
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="找服务").is_visible()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="找服务").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
