"""The partner space, its webhook pages and the partner guide, in a real browser on the demo data (the demo
resident 13800138000 is the legal representative of the demo enterprise, an approved partner with two sandbox
clients): every page passes axe (WCAG 2.1 A and AA) on a desktop screen and on a 390 px phone; the resident
creates a client-credentials client by clicking through the form, sees its secret once on a page that is not
stored, gets a token with it from /o/token/, rotates it (old and new both work during the overlap), and adds
and deactivates a public key by pasting its JWK."""

import json

import httpx
import pytest
from joserfc.jwk import RSAKey

from common.testing.browser import sign_in
from identity.models import User
from partners.models import Partner, PartnerClient
from partners.services import partner_client_key_add
from partners.webhooks.services import webhook_subscribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
RESIDENT = "13800138000"


def _demo_partner() -> Partner:
    return Partner.objects.get(enterprise__legal_representative__mobile=RESIDENT)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_partner_pages_pass_axe_at_desktop_and_phone_width(live_server, new_page, demo_data, width):
    from axe_playwright_python.sync_playwright import Axe

    resident = User.objects.get(mobile=RESIDENT)
    partner = _demo_partner()
    client = PartnerClient.objects.filter(partner=partner).order_by("pk").first()
    # The client page with its key table: a kid is one long word.
    partner_client_key_add(client=client, actor=resident, public_jwk=RSAKey.generate_key(2048).as_dict(private=False))
    # The subscriptions page with a subscription in its table, and that subscription's page with its signing secret.
    subscription = webhook_subscribe(
        partner=partner,
        url="https://bank.example.cn/tongban/webhooks/receive",
        event_types=["application.status_changed"],
        actor=resident,
    )
    page = new_page(viewport=WIDTHS[width])
    sign_in(page, live_server, resident)

    for path in (
        "/partners/",
        f"/partners/{partner.pk}/",
        f"/partners/{partner.pk}/clients/new/",
        f"/partners/{partner.pk}/clients/{client.pk}/",
        f"/partners/webhooks/{partner.pk}/",
        f"/partners/webhooks/{partner.pk}/new/",
        f"/partners/webhooks/{partner.pk}/{subscription.pk}/",
        f"/partners/webhooks/{partner.pk}/deliveries/",
        "/developers/",
        "/developers/tokens/",
        "/developers/errors/",
        f"/en/partners/{partner.pk}/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, f"{width} {path}\n{results.generate_report()}"
        # WCAG 1.4.10 (reflow): nothing makes the page scroll sideways, not even a guide's long code line.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{width} {path} overflows"


def _assert_axe_passes(page, label: str):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{label}\n{results.generate_report()}"
    return results


def _contrast_checked(results, text: str) -> bool:
    """Whether axe found the element showing ``text`` to have enough contrast (not merely "could not tell")."""
    passed = next((rule for rule in results.response["passes"] if rule["id"] == "color-contrast"), {"nodes": []})
    return any(text in node["html"] for node in passed["nodes"])


def _client_credentials_token(live_server, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        live_server.url + "/o/token/",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=30,
    )


def test_a_resident_creates_a_client_gets_a_token_rotates_the_secret_and_manages_a_key(
    live_server, new_page, demo_data
):
    resident = User.objects.get(mobile=RESIDENT)
    partner = _demo_partner()
    page = new_page(viewport=WIDTHS["desktop"])
    sign_in(page, live_server, resident)

    # The partner space, then the partner, then 创建应用: all by clicking.
    page.goto(live_server.url + "/partners/")
    page.get_by_role("link", name=partner.enterprise.name).click()
    page.get_by_role("heading", level=1, name=partner.enterprise.name).wait_for()
    page.get_by_role("link", name="创建应用").click()
    page.get_by_role("heading", level=1, name="创建应用").wait_for()
    page.get_by_label("应用名称").fill("网点自助终端")
    page.get_by_label("测试环境").check()
    page.get_by_label("客户端凭据", exact=False).check()
    page.get_by_label("客户端密钥（HTTP Basic）").check()
    with page.expect_response(lambda response: response.request.method == "POST") as created:
        page.get_by_role("button", name="创建", exact=True).click()
    response = created.value
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    page.get_by_role("heading", level=1, name="网点自助终端").wait_for()
    secret = page.locator("#client-secret").inner_text().strip()
    client_id = page.locator("#client-id").inner_text().strip()
    assert secret and client_id
    assert PartnerClient.objects.filter(partner=partner, application__client_id=client_id).exists()
    _assert_axe_passes(page, "client page showing its new secret")

    token = _client_credentials_token(live_server, client_id, secret)
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"
    assert token.json()["access_token"]
    assert _client_credentials_token(live_server, client_id, secret + "x").status_code == 401

    # Rotation: the new secret is shown once (not stored), and the old one still works in the overlap.
    with page.expect_response(lambda response: response.request.method == "POST") as rotated:
        page.get_by_role("button", name="生成新密钥").click()
    assert rotated.value.status == 200
    assert rotated.value.headers["cache-control"] == "no-store"
    page.locator("#client-secret").wait_for()
    new_secret = page.locator("#client-secret").inner_text().strip()
    assert new_secret and new_secret != secret
    assert page.locator("#client-id").inner_text().strip() == client_id
    for usable in (new_secret, secret):
        token = _client_credentials_token(live_server, client_id, usable)
        assert token.status_code == 200, token.text
        assert token.json()["access_token"]
    # The page shown after a redirect (a plain visit) shows no secret.
    page.goto(page.url.rsplit("/secret/", 1)[0] + "/")
    assert page.locator("#client-secret").count() == 0

    # A public key, pasted as a JWK: its kid appears in the table; then it is deactivated.
    jwk = RSAKey.generate_key(2048).as_dict(private=False)
    page.get_by_label("公钥（JWK，JSON 格式）").fill(json.dumps(jwk))
    page.get_by_role("button", name="登记公钥").click()
    page.get_by_text("公钥已登记").wait_for()
    kid = jwk.get("kid") or page.locator("table.table tbody code").first.inner_text().strip()
    row = page.locator("table.table tbody tr", has=page.locator("code", has_text=kid))
    assert row.count() == 1
    assert "使用中" in row.inner_text()
    results = _assert_axe_passes(page, "client page with an active key")
    assert _contrast_checked(results, "停用"), "the key's 停用 button has too little contrast"
    row.get_by_role("button", name="停用").click()
    page.get_by_text("公钥已停用").wait_for()
    row = page.locator("table.table tbody tr", has=page.locator("code", has_text=kid))
    assert "已停用" in row.inner_text()
    assert row.get_by_role("button").count() == 0
    _assert_axe_passes(page, "client page with a deactivated key")
