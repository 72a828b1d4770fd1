"""Token introspection (RFC 7662): only for the token's own client or a resource server allowed by an official."""

import pytest

from identity.oauth.subjects import pairwise_subject

from .factories import UserFactory
from .oauth_helpers import (
    BACKEND_SECRET,
    WEB_SECRET,
    authorization_code_tokens,
    basic_auth,
    client_credentials_token,
    make_backend_application,
    make_web_application,
)

pytestmark = pytest.mark.django_db

MOBILE = "13800138000"


@pytest.fixture
def resident_token(client):
    user = UserFactory(mobile=MOBILE, username=MOBILE)
    application = make_web_application()
    client.force_login(user)
    tokens = authorization_code_tokens(client, application, scope="openid profile phone")
    client.logout()
    return user, application, tokens["access_token"]


def _introspect(client, token, **auth):
    return client.post("/o/introspect/", {"token": token}, **auth)


def test_another_partner_learns_nothing_about_a_residents_token(client, resident_token):
    _user, _application, token = resident_token
    make_backend_application(client_id="other-partner")

    response = _introspect(client, token, **basic_auth("other-partner", BACKEND_SECRET))

    assert response.status_code == 200
    assert response.json() == {"active": False}
    assert MOBILE not in response.content.decode()


def test_a_bearer_token_of_another_partner_does_not_authenticate_an_introspection(client, resident_token):
    _user, _application, token = resident_token
    other = make_backend_application(client_id="other-partner")
    bearer = client_credentials_token(client, other).json()["access_token"]

    response = _introspect(client, token, HTTP_AUTHORIZATION=f"Bearer {bearer}")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert MOBILE not in response.content.decode()


def test_the_tokens_own_client_learns_it_is_active_without_the_mobile_number(client, resident_token):
    user, application, token = resident_token

    response = _introspect(client, token, **basic_auth(application.client_id, WEB_SECRET))

    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == "web-partner"
    assert body["scope"] == "openid profile phone"
    assert body["sub"] == pairwise_subject(user=user, application=application)
    assert "username" not in body
    assert MOBILE not in response.content.decode()


def test_a_resource_server_an_official_allowed_may_introspect_any_token(client, resident_token):
    user, application, token = resident_token
    resource_server = make_backend_application(client_id="resource-server")
    resource_server.partner_scope_grant.may_introspect = True
    resource_server.partner_scope_grant.save(update_fields=["may_introspect"])

    body = _introspect(client, token, **basic_auth("resource-server", BACKEND_SECRET)).json()

    assert body["active"] is True
    # The subject the token's own partner knows, not one of the resource server's.
    assert body["sub"] == pairwise_subject(user=user, application=application)
    assert MOBILE not in str(body)


def test_unauthenticated_or_wrongly_authenticated_introspection_is_401_invalid_client(client, resident_token):
    _user, application, token = resident_token

    anonymous = _introspect(client, token)
    wrong_secret = _introspect(client, token, **basic_auth(application.client_id, "not-the-secret"))

    for response in (anonymous, wrong_secret):
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "active" not in response.json()


def test_introspection_is_post_only(client, resident_token):
    _user, application, token = resident_token

    response = client.get(f"/o/introspect/?token={token}", **basic_auth(application.client_id, WEB_SECRET))

    assert response.status_code == 405


def test_a_revoked_token_is_inactive_even_to_its_own_client(client, resident_token):
    user, application, token = resident_token
    from identity.oauth.services import oauth_tokens_revoke_for_user

    oauth_tokens_revoke_for_user(user=user)

    assert _introspect(client, token, **basic_auth(application.client_id, WEB_SECRET)).json() == {"active": False}
