"""Every page this round of work added passes axe (WCAG 2.1 A and AA), on a desktop screen and on a 390 px
phone, on the demo data: the enterprise register, verification and dispute pages, the partner
authorisations page, the TOTP setup page, the "为谁办理" apply page, the wallet and a certificate, its public
verification page, and 我的订单 with an order."""

import pytest

from certificates.models import Certificate
from common.testing.browser import sign_in
from identity.models import User
from payments.models import PaymentOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_pages_pass_axe_at_desktop_and_phone_width(live_server, new_page, demo_data, width):
    from axe_playwright_python.sync_playwright import Axe

    resident = User.objects.get(mobile="13800138000")
    certificate = Certificate.objects.filter(holder_user=resident).order_by("pk").first()
    order = PaymentOrder.objects.order_by("pk").first()

    page, anonymous = new_page(viewport=WIDTHS[width]), new_page(viewport=WIDTHS[width])
    sign_in(page, live_server, resident)

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
