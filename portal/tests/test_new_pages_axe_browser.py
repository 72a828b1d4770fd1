"""Every page this round of work added passes axe (WCAG 2.1 A and AA), on a desktop screen and on a 390 px
phone, on the demo data: the enterprise register, verification and dispute pages, the partner
authorisations page, the TOTP setup page, the "为谁办理" apply page, the wallet and a certificate, its public
verification page, and 我的订单 with an order."""

import pytest
from django.conf import settings
from django.test import Client

from certificates.models import Certificate
from identity.models import User
from payments.models import PaymentOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _session_cookie(live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_pages_pass_axe_at_desktop_and_phone_width(live_server, chromium_browser, demo_data, width):
    from axe_playwright_python.sync_playwright import Axe

    resident = User.objects.get(mobile="13800138000")
    certificate = Certificate.objects.filter(holder_user=resident).order_by("pk").first()
    order = PaymentOrder.objects.order_by("pk").first()

    context = chromium_browser.new_context(locale="zh-CN", viewport=WIDTHS[width])
    anonymous = chromium_browser.new_context(locale="zh-CN", viewport=WIDTHS[width]).new_page()
    context.add_cookies([_session_cookie(live_server, resident)])
    page = context.new_page()

    def check(on, path: str) -> None:
        response = on.goto(live_server.url + path)
        assert response.status == 200, path
        results = Axe().run(on, options=WCAG)
        assert results.violations_count == 0, f"{width} {path}\n{results.generate_report()}"

    for path in (
        "/account/enterprises/",
        "/account/enterprises/register/",
        "/account/enterprises/disputes/",
        "/account/authorizations/",
        "/account/security/totp/",
        "/applications/new/440100-SCJG-005/",
        "/my/certificates/",
        f"/my/certificates/{certificate.uuid}/",
        "/my/orders/",
        f"/my/orders/{order.out_trade_no}/",
        "/en/my/certificates/",
    ):
        check(page, path)
    check(anonymous, f"/certificates/verify/{certificate.token}/")
    context.close()
