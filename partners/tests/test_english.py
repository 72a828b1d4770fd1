"""The partner pages, the developer guide's error catalogue and the partner API's idempotency
problems read in English under /en/ (and with ``Accept-Language: en`` on the API)."""

import re

import pytest

from identity.tests.factories import EnterpriseFactory, UserFactory
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application
from partners.services import partner_apply

pytestmark = pytest.mark.django_db

# CJK ideographs, CJK punctuation (。、「」) and full-width forms (，：（）).
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


def main_content(html: str) -> str:
    start = html.index('<main id="main"')
    return html[start : html.index("</main>", start)]


def chinese_left(html: str, *, allowed: tuple[str, ...]) -> list[str]:
    """The Chinese runs in the page's main content, once the ``allowed`` texts (user data) are cut out."""
    main = main_content(html)
    for text in allowed:
        main = main.replace(text, "")
    return CHINESE.findall(main)


@pytest.fixture
def representative():
    return UserFactory(verified=True)


@pytest.fixture
def partner(representative):
    enterprise = EnterpriseFactory(legal_representative=representative)
    return partner_apply(
        enterprise=enterprise,
        applicant=representative,
        purpose="为本行客户办理社保业务",
        scopes=["openid", "applications:read"],
        contact_name="王经理",
        contact_mobile="13900000001",
        contact_email="api@bank.example",
    )


def test_partner_home_is_english_under_en(client, representative, partner):
    client.force_login(representative)

    response = client.get("/en/partners/")

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert "<h1>Partner access</h1>" in html
    assert "Awaiting review" in html
    assert "Approved scopes" in html
    assert chinese_left(html, allowed=(partner.enterprise.name,)) == []


def test_partner_application_form_is_english_under_en(client, representative, partner):
    enterprise = EnterpriseFactory(legal_representative=representative)  # one that has not applied yet
    client.force_login(representative)

    response = client.get("/en/partners/apply/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Apply to become a partner</h1>" in html
    assert enterprise.name in html
    for label in ("Purpose of access", "Requested scopes", "Contact person", "Submit the application"):
        assert label in html
    assert chinese_left(html, allowed=(enterprise.name,)) == []


def test_partner_detail_is_english_under_en(client, representative, partner):
    client.force_login(representative)

    response = client.get(f"/en/partners/{partner.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "None yet (only the sandbox is available until approval)" in html
    assert chinese_left(html, allowed=(partner.enterprise.name,)) == []


def test_footer_links_to_partner_access_in_english(client):
    html = client.get("/en/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert ">Partner access</a>" in footer
    assert "合作方接入" not in html


def test_developer_error_catalogue_headings_are_english(client):
    response = client.get("/en/developers/errors/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Error catalogue</h1>" in html
    assert "Operations that can return this error" in html
    assert "API reference (OpenAPI)" in html
    assert "<title>Error catalogue" in html
    # The guide pages' own titles (docs/partners/*.md) are Chinese only: not checked here.


def test_idempotency_problem_detail_follows_accept_language(client):
    user = UserFactory()
    application = make_web_application()
    application.partner_scope_grant.allowed_scopes = "openid payments:read payments:write"
    application.partner_scope_grant.save()
    client.force_login(user)
    token = authorization_code_tokens(client, application, scope="openid payments:write")["access_token"]
    client.logout()

    def post(**headers):
        return client.post(
            "/api/v1/payments/",
            {"order": "none"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY="k" * 129,
            **headers,
        )

    english, chinese = post(HTTP_ACCEPT_LANGUAGE="en"), post()

    assert english.status_code == chinese.status_code == 400
    assert english.json()["code"] == chinese.json()["code"]
    assert english.json()["code"].startswith("idempotency_key_")
    assert english["Content-Language"] == "en"
    detail = english.json()["detail"]
    assert "Idempotency-Key" in detail and "128" in detail
    assert not CHINESE.search(detail), detail
    assert CHINESE.search(chinese.json()["detail"])
