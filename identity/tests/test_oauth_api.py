"""The partner API under OAuth2: scopes per view, problem+json refusals, /api/v1/me/."""

import pytest
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.api_permissions import RequiredScopes
from identity.oauth.subjects import pairwise_subject

from .factories import UserFactory
from .oauth_helpers import (
    authorization_code_tokens,
    client_credentials_token,
    make_backend_application,
    make_web_application,
)


class ApplicationsProbe(APIView):
    """Stands in for the applications API: read with applications:read, write with applications:write."""

    permission_classes = (RequiredScopes,)
    required_scopes_read = ("applications:read",)
    required_scopes_write = ("applications:write",)

    def get(self, request, version=None):
        return Response({"results": []})

    def post(self, request, version=None):
        return Response({"created": True}, status=201)


class CatalogueProbe(APIView):
    """Stands in for the catalogue API: read-only for tokens."""

    permission_classes = (RequiredScopes,)
    required_scopes_read = ("catalogue:read",)

    def get(self, request, version=None):
        return Response({"results": []})

    def post(self, request, version=None):
        return Response({"created": True}, status=201)


class VerifyProbe(APIView):
    """Stands in for e-ID and certificate verification: a write-only view, no read scopes declared."""

    permission_classes = (RequiredScopes,)
    required_scopes_write = ("eid:verify",)

    def post(self, request, version=None):
        return Response({"verified": True})


urlpatterns = [
    path("api/v1/verify/", VerifyProbe.as_view()),
    path("o/", include("identity.oauth.urls", namespace="oauth2_provider")),
    path("api/v1/applications/", ApplicationsProbe.as_view()),
    path("api/v1/catalogue/", CatalogueProbe.as_view()),
    path("api/v1/", include("identity.api.urls")),
    path("account/", include("identity.urls")),
    path("", include("portal.urls")),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _token(client, *scopes: str) -> str:
    application = make_backend_application(scopes=list(scopes))
    response = client_credentials_token(client, application, scope=" ".join(scopes))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_token_without_the_scope_gets_403_insufficient_scope_naming_it(client):
    token = _token(client, "catalogue:read")

    response = client.post("/api/v1/applications/", {}, content_type="application/json", **_bearer(token))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "insufficient_scope"
    assert body["status"] == 403
    assert body["required_scopes"] == ["applications:write"]
    assert "applications:write" in body["detail"]
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="applications:write"' in challenge


def test_catalogue_read_token_reads_the_catalogue(client):
    token = _token(client, "catalogue:read")

    assert client.get("/api/v1/catalogue/", **_bearer(token)).status_code == 200
    assert client.get("/api/v1/applications/", **_bearer(token)).status_code == 403


def test_write_scope_token_may_write(client):
    token = _token(client, "applications:write")

    response = client.post("/api/v1/applications/", {}, content_type="application/json", **_bearer(token))

    assert response.status_code == 201


def test_no_token_may_write_where_no_write_scope_is_declared(client):
    token = _token(client, "catalogue:read", "applications:write")

    response = client.post("/api/v1/catalogue/", {}, content_type="application/json", **_bearer(token))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "此接口不允许通过 OAuth2 令牌写入。"


def test_options_on_a_write_only_view_asks_for_its_write_scopes_instead_of_failing(client):
    # Found by Schemathesis: OPTIONS on /api/v1/eid/verify/ was a 500 (no required_scopes_read).
    verifier = _token(client, "eid:verify", "catalogue:read")
    reader = client_credentials_token(client, make_backend_application(client_id="reader"), scope="catalogue:read")
    reader = reader.json()["access_token"]

    allowed = client.options("/api/v1/verify/", **_bearer(verifier))
    refused = client.options("/api/v1/verify/", **_bearer(reader))

    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["required_scopes"] == ["eid:verify"]


def test_missing_or_unknown_token_is_401_problem_json(client):
    anonymous = client.get("/api/v1/catalogue/")
    forged = client.get("/api/v1/catalogue/", **_bearer("not-a-real-token"))

    for response in (anonymous, forged):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    assert forged["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_resident_uses_the_api_through_their_session(client):
    client.force_login(UserFactory())

    assert client.get("/api/v1/applications/").status_code == 200


def test_me_returns_the_user_with_a_masked_mobile(client):
    user = UserFactory(display_name="王五", mobile="13800138000")
    client.force_login(user)
    application = make_web_application()
    tokens = authorization_code_tokens(client, application)
    client.logout()

    response = client.get("/api/v1/me/", **_bearer(tokens["access_token"]))

    assert response.status_code == 200
    # The partner's pairwise subject, not the database id every partner would share.
    sub = pairwise_subject(user=user, application=application)
    assert response.json() == {"sub": sub, "display_name": "王五", "mobile": "138****8000"}


def test_me_needs_the_profile_scope(client):
    client.force_login(UserFactory())
    tokens = authorization_code_tokens(client, make_web_application(), scope="openid")
    client.logout()

    response = client.get("/api/v1/me/", **_bearer(tokens["access_token"]))

    assert response.status_code == 403


def test_me_refuses_a_client_credentials_token_which_acts_for_nobody(client):
    token = _token(client, "profile")

    assert client.get("/api/v1/me/", **_bearer(token)).status_code == 403
