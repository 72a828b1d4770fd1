"""Every page this round of work added passes axe (WCAG 2.1 A and AA), on a desktop screen and on a 390 px
phone, on the demo data: the enterprise register, verification and dispute pages, the partner
authorisations page, the TOTP setup page, the "为谁办理" apply page, the wallet and a certificate, its public
verification page, and 我的订单 with an order; then the application draft and 核对 pages and the three sandbox
cashiers (with UnionPay's 前往收银台 page)."""

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


@pytest.mark.parametrize("width", WIDTHS)
def test_the_draft_review_and_sandbox_cashier_pages_pass_axe(live_server, new_page, demo_data, settings, width):
    """The application draft and its 核对 screen, and the three sandbox cashiers (with UnionPay's 前往收银台 page)
    a payer reaches from 我的订单."""
    from axe_playwright_python.sync_playwright import Axe

    from applications.services import application_start

    # WeChat Pay's H5 order is placed server to server: at this test's own sandbox.
    settings.PAYMENTS_WECHATPAY = {
        **settings.PAYMENTS_WECHATPAY,
        "API_URL": live_server.url + "/sandbox/payments/wechatpay",
    }
    resident = User.objects.get(mobile="13800138000")
    draft = application_start(applicant=resident, item_code="440100-GA-005")
    order = PaymentOrder.objects.filter(user=resident, status__in=("created", "pending")).order_by("pk").first()
    page = new_page(viewport=WIDTHS[width])
    sign_in(page, live_server, resident)

    def check(label: str) -> None:
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, f"{width} {label}\n{results.generate_report()}"

    for path in (f"/applications/drafts/{draft.pk}/", f"/applications/drafts/{draft.pk}/review/"):
        assert page.goto(live_server.url + path).status == 200, path
        check(path)
    cashiers = {
        "alipay": "支付宝收银台（沙箱）",
        "unionpay": "银联收银台（沙箱）",
        "wechatpay": "微信支付收银台（沙箱）",
    }
    for gateway, title in cashiers.items():
        page.goto(live_server.url + f"/my/orders/{order.out_trade_no}/")
        page.locator(f"input[name=gateway][value={gateway}]").check()
        page.get_by_role("button", name="去支付").click()
        if gateway == "unionpay":
            # UnionPay's front transaction is a form the browser posts: our 前往收银台 page first.
            page.get_by_role("heading", name="前往收银台").wait_for()
            check("unionpay to-cashier")
            page.get_by_role("button", name="前往银联收银台").click()
        page.get_by_role("heading", name=title).wait_for()
        assert page.get_by_text("沙箱 SANDBOX").first.is_visible()
        check(f"{gateway} cashier")
