"""Bearer tokens travel in the Authorization header only, and a bad one is always a 401 (RFC 6750)."""

import pytest
from django.test import RequestFactory
from oauth2_provider.models import get_access_token_model

from applications.models import Application as Case
from identity.oauth.backends import HeaderOnlyOAuthLibCore
from identity.oauth.services import oauth_tokens_revoke_for_user
from identity.tests.factories import UserFactory
from services import demo as services_demo

from .oauth_helpers import (
    authorization_code_tokens,
    client_credentials_token,
    make_backend_application,
    make_web_application,
)

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()


def _resident_token(client, user, scope="openid profile") -> str:
    client.force_login(user)
    tokens = authorization_code_tokens(client, make_web_application(), scope=scope)
    client.logout()
    return tokens["access_token"]


def test_userinfo_refuses_a_token_in_the_query_string(client):
    token = _resident_token(client, UserFactory())

    response = client.get(f"/o/userinfo/?access_token={token}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert 'error="invalid_request"' in response["WWW-Authenticate"]
    assert "sub" not in response.json()


def test_userinfo_refuses_a_token_in_a_form_body(client):
    token = _resident_token(client, UserFactory())

    response = client.post("/o/userinfo/", {"access_token": token})

    assert response.status_code == 400
    assert "sub" not in response.json()


def test_userinfo_answers_a_token_in_the_header(client):
    token = _resident_token(client, UserFactory())

    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["sub"]


def test_a_token_in_a_form_body_creates_no_draft(client):
    services_demo.seed()
    resident = UserFactory(verified=True)
    application = make_web_application(scopes=("openid", "applications:read", "applications:write"))
    client.force_login(resident)
    token = authorization_code_tokens(client, application, scope="openid applications:write")["access_token"]
    client.logout()

    in_body = client.post("/api/v1/applications/drafts/", {"service_code": "440100-GA-007", "access_token": token})
    in_query = client.post(
        f"/api/v1/applications/drafts/?access_token={token}",
        {"service_code": "440100-GA-007"},
        content_type="application/json",
    )

    for response in (in_body, in_query):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_request"
    assert not Case.objects.filter(applicant=resident).exists()
    # The same token in the header works: the refusals were about where it was sent.
    in_header = client.post(
        "/api/v1/applications/drafts/",
        {"service_code": "440100-GA-007"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert in_header.status_code == 201, in_header.content


def test_the_oauthlib_core_itself_sees_no_token_outside_the_header(client):
    token = _resident_token(client, UserFactory())
    core = HeaderOnlyOAuthLibCore()
    factory = RequestFactory()

    in_query = factory.get(f"/api/v1/me/?access_token={token}")
    in_body = factory.post("/api/v1/me/", {"access_token": token})
    in_header = factory.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert core.verify_request(in_query, scopes=[])[0] is False
    assert core.verify_request(in_body, scopes=[])[0] is False
    assert core.verify_request(in_header, scopes=[])[0] is True


def test_an_unknown_token_is_401_on_the_anonymous_catalogue_api(client):
    anonymous = client.get("/api/v1/services/")
    forged = client.get("/api/v1/services/", HTTP_AUTHORIZATION="Bearer not-a-real-token")

    assert anonymous.status_code == 200
    assert forged.status_code == 401
    assert forged["Content-Type"] == "application/problem+json"
    assert forged.json()["code"] == "invalid_token"
    assert forged["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in forged["WWW-Authenticate"]


def test_a_revoked_or_expired_token_is_401_on_the_anonymous_catalogue_api(client):
    user = UserFactory()
    revoked = _resident_token(client, user)
    oauth_tokens_revoke_for_user(user=user)
    application = make_backend_application()
    expired = client_credentials_token(client, application).json()["access_token"]
    AccessToken.objects.filter(application=application).update(expires="2000-01-01T00:00:00Z")

    for token in (revoked, expired):
        response = client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_valid_catalogue_token_reads_the_catalogue(client):
    application = make_backend_application()
    token = client_credentials_token(client, application).json()["access_token"]

    assert client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
