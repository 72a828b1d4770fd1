"""prompt=none, max_age and the iss parameter on every authorization response (OIDC Core, RFC 9207)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from oauth2_provider.models import get_grant_model

from identity.oauth.views import AUTH_TIME_SESSION_KEY

from .factories import UserFactory
from .oauth_helpers import (
    WEB_REDIRECT_URI,
    authorize_url,
    consent,
    make_web_application,
    pkce_pair,
    query_of,
)

Grant = get_grant_model()

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver/o"


@pytest.fixture
def web_app():
    return make_web_application()


def _url(application, **params):
    _verifier, challenge = pkce_pair()
    return authorize_url(application, code_challenge=challenge, code_challenge_method="S256", **params)


def _back_at_partner(response) -> dict:
    assert response.status_code == 302
    assert response["Location"].startswith(WEB_REDIRECT_URI + "?")
    return query_of(response["Location"])


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[AUTH_TIME_SESSION_KEY] = int(time.time()) - seconds
    session.save()


def test_prompt_none_without_a_session_answers_login_required_at_the_partner(client, web_app):
    answer = _back_at_partner(client.get(_url(web_app, prompt="none")))

    assert answer == {"error": "login_required", "state": "state-123", "iss": ISSUER}
    assert not Grant.objects.exists()


def test_prompt_none_without_consent_answers_consent_required(client, web_app):
    client.force_login(UserFactory())

    answer = _back_at_partner(client.get(_url(web_app, prompt="none")))

    assert answer == {"error": "consent_required", "state": "state-123", "iss": ISSUER}
    assert not Grant.objects.exists()


def test_prompt_none_after_consent_issues_a_code_without_a_page(client, web_app):
    client.force_login(UserFactory())
    consent(client, web_app)

    response = client.get(_url(web_app, prompt="none"))
    answer = _back_at_partner(response)

    assert answer["code"] and answer["state"] == "state-123" and answer["iss"] == ISSUER
    assert "error" not in answer
    assert parse_qs(urlsplit(response["Location"]).query)["iss"] == [ISSUER]  # once, not twice


def test_prompt_none_for_more_scopes_than_consented_answers_consent_required(client, web_app):
    client.force_login(UserFactory())
    consent(client, web_app, scope="openid")

    answer = _back_at_partner(client.get(_url(web_app, prompt="none", scope="openid phone")))

    assert answer["error"] == "consent_required"


def test_prompt_none_never_redirects_to_an_unregistered_uri(client, web_app):
    response = client.get(_url(web_app, prompt="none", redirect_uri="https://evil.example/cb"))

    assert response.status_code == 400
    assert "evil.example" not in response.get("Location", "")


def test_max_age_older_than_the_sign_in_forces_a_fresh_sign_in(client, web_app):
    user = UserFactory()
    client.force_login(user)
    _age_session(client, 600)

    response = client.get(_url(web_app, max_age="300"))

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")
    assert "max_age" not in response["Location"]
    assert not Grant.objects.exists()
    # Signing in again satisfies max_age: the partner's request goes on to the consent page.
    client.force_login(user)
    again = client.get(_url(web_app, max_age="300"))
    assert again.status_code == 200
    assert 'name="allow"' in again.content.decode()


def test_max_age_with_a_recent_sign_in_shows_the_consent_page(client, web_app):
    client.force_login(UserFactory())
    _age_session(client, 60)

    response = client.get(_url(web_app, max_age="300"))

    assert response.status_code == 200
    assert 'name="allow"' in response.content.decode()


def test_max_age_with_prompt_none_answers_login_required(client, web_app):
    client.force_login(UserFactory())
    consent(client, web_app)
    _age_session(client, 600)

    answer = _back_at_partner(client.get(_url(web_app, prompt="none", max_age="300")))

    assert answer["error"] == "login_required"
    assert answer["iss"] == ISSUER


def test_every_error_response_carries_iss(client, web_app):
    client.force_login(UserFactory())

    refused = consent(client, web_app, allow=False)
    bad_scope = _back_at_partner(client.get(_url(web_app, scope="openid everything")))
    no_pkce = _back_at_partner(client.get(authorize_url(web_app)))

    assert refused["error"] == "access_denied" and refused["iss"] == ISSUER
    assert bad_scope["error"] == "invalid_scope" and bad_scope["iss"] == ISSUER
    assert no_pkce["error"] == "invalid_request" and no_pkce["iss"] == ISSUER
