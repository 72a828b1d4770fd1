"""Sandbox clients reach test personas only: a real resident is sent back with access_denied,
before the consent page and on a forged consent form alike."""

from urllib.parse import parse_qs, urlsplit

import pytest

from identity.tests.factories import EnterpriseFactory, UserFactory
from identity.tests.oauth_helpers import authorize_url, pkce_pair
from partners.services import partner_apply, partner_client_create, partner_decide

pytestmark = pytest.mark.django_db
CALLBACK = "https://partner.example.cn/callback"


@pytest.fixture
def partner():
    enterprise = EnterpriseFactory()
    partner = partner_apply(
        enterprise=enterprise,
        applicant=enterprise.legal_representative,
        purpose="测试",
        scopes=["openid", "applications:read"],
        contact_name="a",
        contact_mobile="1",
        contact_email="a@example.com",
    )
    official = UserFactory(official=True)
    return partner_decide(partner_id=partner.pk, official=official, decision="approved", scopes=["openid"])


def _client(partner, environment):
    client, _secret = partner_client_create(
        partner=partner,
        actor=partner.enterprise.legal_representative,
        environment=environment,
        name=f"{environment} web",
        grant_type="authorization-code",
        auth_method="client_secret_basic",
        redirect_uris=[CALLBACK],
    )
    return client.application


def _real_resident():
    # Verified by the national registry's adapter, not by the sandbox.
    return UserFactory(verified=True, verification_provider="http")


def test_a_real_resident_is_sent_back_from_a_sandbox_client_with_access_denied(client, partner):
    application = _client(partner, "sandbox")
    client.force_login(_real_resident())
    _verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(application, scope="openid", code_challenge=challenge, code_challenge_method="S256", state="s1")
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(CALLBACK + "?")
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s1"]
    assert "测试环境" in query["error_description"][0]
    assert application.grant_set.count() == 0


def test_a_forged_consent_form_gets_no_code_either(client, partner):
    application = _client(partner, "sandbox")
    client.force_login(_real_resident())
    _verifier, challenge = pkce_pair()
    answer = client.post(
        "/o/authorize/",
        {
            "client_id": application.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid",
            "state": "s2",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "allow": "on",
        },
    )
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["access_denied"]
    assert application.grant_set.count() == 0


def test_test_personas_use_sandbox_clients_and_real_residents_production_ones(client, partner):
    sandbox = _client(partner, "sandbox")
    production = _client(partner, "production")
    _verifier, challenge = pkce_pair()
    client.force_login(UserFactory(verified=True))  # verified by the sandbox: a test persona
    page = client.get(authorize_url(sandbox, scope="openid", code_challenge=challenge, code_challenge_method="S256"))
    assert page.status_code == 200
    client.force_login(_real_resident())
    page = client.get(authorize_url(production, scope="openid", code_challenge=challenge, code_challenge_method="S256"))
    assert page.status_code == 200


def test_a_sandbox_client_cannot_verify_a_real_residents_e_id(client, partner):
    from identity.models import EidToken
    from identity.services.eid import eid_token_issue
    from identity.tests.oauth_helpers import basic_auth

    # The fixture's partner asked for openid and applications:read; this one also verifies e-IDs.
    partner.requested_scopes = "eid:verify"
    partner.save(update_fields=["requested_scopes"])
    backend, secret = partner_client_create(
        partner=partner,
        actor=partner.enterprise.legal_representative,
        environment="sandbox",
        name="前台",
        grant_type="client-credentials",
        auth_method="client_secret_basic",
        redirect_uris=[],
    )
    token = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "eid:verify"},
        **basic_auth(backend.application.client_id, secret),
    ).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    real, _row = eid_token_issue(user=_real_resident())
    refused = client.post("/api/v1/eid/verify/", {"token": real}, content_type="application/json", **headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "client_not_allowed"
    assert EidToken.objects.get(pk=_row.pk).used_at is None  # still usable at a real desk

    persona, _row = eid_token_issue(user=UserFactory(verified=True))
    allowed = client.post("/api/v1/eid/verify/", {"token": persona}, content_type="application/json", **headers)
    assert allowed.status_code == 200, allowed.content
