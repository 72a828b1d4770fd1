"""Discovery, JWKS, userinfo and the scope catalogue."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from identity.oauth.scopes import SCOPE_DESCRIPTIONS, PartnerScopes
from identity.oauth.subjects import pairwise_subject

from .factories import UserFactory, login_with_totp
from .oauth_helpers import (
    authorization_code_tokens,
    authorize_url,
    make_web_application,
    pkce_pair,
    query_of,
)

pytestmark = pytest.mark.django_db

ALL_SCOPES = {
    "openid",
    "profile",
    "phone",
    "catalogue:read",
    "applications:read",
    "applications:write",
    "certificates:verify",
    "payments:read",
    "payments:write",
    "eid:verify",
    "eid:verify:detail",
    "webhooks:manage",
}
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def test_discovery_lists_only_s256_the_code_flow_and_every_scope(client):
    response = client.get("/o/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == "http://testserver/o"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert set(document["scopes_supported"]) == ALL_SCOPES
    assert document["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert document["token_endpoint"] == "http://testserver/o/token/"
    assert document["userinfo_endpoint"] == "http://testserver/o/userinfo/"
    assert document["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert set(document["claims_supported"]) == {"sub", "name", "phone_number", "phone_number_verified"}


def test_discovery_states_what_the_server_really_does(client):
    document = client.get("/o/.well-known/openid-configuration").json()

    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(document["grant_types_supported"]) == {"authorization_code", "client_credentials", "refresh_token"}
    assert document["revocation_endpoint"] == "http://testserver/o/revoke_token/"
    assert document["introspection_endpoint"] == "http://testserver/o/introspect/"
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["subject_types_supported"] == ["pairwise"]
    assert document["prompt_values_supported"] == ["none", "login"]


def test_rfc8414_metadata_is_at_the_address_its_issuer_implies_and_agrees_with_discovery(client):
    openid = client.get("/o/.well-known/openid-configuration").json()
    issuer = urlsplit(openid["issuer"])
    # RFC 8414 §3: the well-known segment goes between the host and the issuer's path.
    address = f"/.well-known/oauth-authorization-server{issuer.path}"

    response = client.get(address)

    assert address == "/.well-known/oauth-authorization-server/o"
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == openid["issuer"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["grant_types_supported"]) == {"authorization_code", "client_credentials", "refresh_token"}
    for key in ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert document[key] == openid[key]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert set(document["scopes_supported"]) == ALL_SCOPES


def test_oauth_server_metadata_under_the_issuer_path_says_the_same(client):
    root = client.get("/.well-known/oauth-authorization-server/o").json()
    under = client.get("/o/.well-known/oauth-authorization-server").json()

    assert under == root


def test_an_application_set_to_hs256_may_not_ask_for_an_id_token(client):
    application = make_web_application()
    application.algorithm = application.HS256_ALGORITHM
    application.save(update_fields=["algorithm"])
    client.force_login(UserFactory())
    _verifier, challenge = pkce_pair()

    response = client.get(authorize_url(application, code_challenge=challenge, code_challenge_method="S256"))

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_scope"


def test_jwks_publishes_the_public_rsa_key_only(client):
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]  # the private exponent


def test_application_management_and_device_pages_are_not_published(client):
    client.force_login(UserFactory())

    assert client.get("/o/applications/").status_code == 404
    assert client.get("/o/applications/register/").status_code == 404
    assert client.get("/o/device/").status_code == 404


def test_userinfo_with_profile_has_the_name_but_not_the_mobile_and_never_an_id_number(client):
    user = UserFactory(display_name="李四", mobile="13900139000")
    client.force_login(user)
    application = make_web_application()
    tokens = authorization_code_tokens(client, application, scope="openid profile")
    client.logout()

    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    assert response.status_code == 200
    claims = response.json()
    assert claims == {"sub": pairwise_subject(user=user, application=application), "name": "李四"}
    assert "13900139000" not in response.content.decode()
    assert not ID_NUMBER.search(response.content.decode())


def test_userinfo_with_phone_has_the_verified_mobile(client):
    user = UserFactory(display_name="李四", mobile="13900139000")
    client.force_login(user)
    application = make_web_application()
    tokens = authorization_code_tokens(client, application, scope="openid phone")
    client.logout()

    claims = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()

    assert claims == {
        "sub": pairwise_subject(user=user, application=application),
        "phone_number": "13900139000",
        "phone_number_verified": True,
    }


def test_userinfo_without_profile_has_only_the_subject(client):
    user = UserFactory()
    client.force_login(user)
    application = make_web_application()
    tokens = authorization_code_tokens(client, application, scope="openid")
    client.logout()

    claims = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()

    assert claims == {"sub": pairwise_subject(user=user, application=application)}


def test_every_scope_has_a_chinese_description_translated_to_english():
    assert set(settings.OAUTH2_PROVIDER["SCOPES"]) == ALL_SCOPES
    assert set(SCOPE_DESCRIPTIONS) == ALL_SCOPES
    with translation.override("zh-hans"):
        chinese = {name: str(text) for name, text in PartnerScopes().get_all_scopes().items()}
    with translation.override("en"):
        english = {name: str(text) for name, text in PartnerScopes().get_all_scopes().items()}
    for name in ALL_SCOPES:
        assert re.search(r"[\u4e00-\u9fff]", chinese[name]), name
        assert english[name] != chinese[name], name
        assert english[name].isascii(), name


def test_openapi_schema_describes_the_oauth2_flows_and_the_scope_of_me(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    assert set(flows) == {"authorizationCode", "clientCredentials"}
    assert set(flows["authorizationCode"]["scopes"]) == ALL_SCOPES
    # A partner's own token reaches no resident's data: the flow offers no OIDC or resident-only scope.
    assert set(flows["clientCredentials"]["scopes"]) < ALL_SCOPES
    assert not set(flows["clientCredentials"]["scopes"]) & {"openid", "profile", "applications:write", "payments:write"}
    assert {"oauth2": ["profile"]} in schema["paths"]["/api/v1/me/"]["get"]["security"]


def test_officials_manage_partner_scopes_in_the_admin(client):
    admin = UserFactory(username="official", mobile="13700000000", is_staff=True, is_superuser=True)
    login_with_totp(client, admin)

    assert client.get("/admin/identity/partnerscopegrant/").status_code == 200
    assert client.get("/admin/identity/partnerscopegrant/add/").status_code == 200


def test_officials_grant_the_phone_scope_and_introspection_in_the_admin(client):
    admin = UserFactory(username="official", mobile="13700000000", is_staff=True, is_superuser=True)
    login_with_totp(client, admin)
    application = make_web_application(scopes=("openid",))
    grant = application.partner_scope_grant

    page = client.get(f"/admin/identity/partnerscopegrant/{grant.pk}/change/")
    assert 'value="phone"' in page.content.decode()
    response = client.post(
        f"/admin/identity/partnerscopegrant/{grant.pk}/change/",
        {"application": application.pk, "scopes": ["openid", "phone"], "may_introspect": "on"},
    )

    assert response.status_code == 302, response.content
    grant.refresh_from_db()
    assert grant.scopes == ["openid", "phone"]
    assert grant.may_introspect is True
