"""Authorization code + PKCE: how partner systems sign residents in."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_grant_model

from identity.oauth.subjects import pairwise_subject

from .factories import UserFactory
from .oauth_helpers import (
    WEB_REDIRECT_URI,
    WEB_SECRET,
    authorization_code_tokens,
    authorize_url,
    basic_auth,
    consent,
    make_web_application,
    pkce_pair,
    query_of,
)

Grant = get_grant_model()

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def web_app():
    return make_web_application()


def _exchange(client, code, verifier, redirect_uri=WEB_REDIRECT_URI):
    return client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier},
        **basic_auth("web-partner", WEB_SECRET),
    )


def test_authorization_request_without_code_challenge_is_refused(client, resident, web_app):
    response = client.get(authorize_url(web_app))

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert "code" not in query_of(response["Location"])
    assert not Grant.objects.exists()


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_pkce_method_is_refused_explicit_or_by_default(client, resident, web_app, method):
    verifier, _challenge = pkce_pair()
    # With "plain" the challenge is the verifier itself; no method means "plain" (RFC 7636).
    response = client.get(authorize_url(web_app, code_challenge=verifier, code_challenge_method=method))

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert not Grant.objects.exists()


def test_plain_pkce_method_slipped_into_the_consent_form_issues_no_code(client, resident, web_app):
    _verifier, challenge = pkce_pair()
    page = client.get(authorize_url(web_app, code_challenge=challenge, code_challenge_method="S256"))
    data = {key: value for key, value in page.context["form"].initial.items() if value is not None}
    data.update(allow="on", code_challenge_method="plain")

    response = client.post("/o/authorize/", data)

    assert "code" not in query_of(response["Location"])
    assert not Grant.objects.exists()


def test_s256_flow_end_to_end_gives_tokens_and_a_signed_id_token(client, resident, web_app):
    tokens = authorization_code_tokens(client, web_app)

    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 3600
    assert set(tokens["scope"].split()) == {"openid", "profile"}
    assert tokens["refresh_token"]

    keys = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    id_token = jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"])
    claims = json.loads(id_token.claims)
    assert claims["sub"] == pairwise_subject(user=resident, application=web_app)
    assert claims["sub"] != str(resident.pk)
    assert claims["aud"] == "web-partner"
    assert claims["iss"] == "http://testserver/o"


def test_authorization_response_carries_state_and_issuer(client, resident, web_app):
    answer = consent(client, web_app)

    assert answer["state"] == "state-123"
    assert answer["iss"] == "http://testserver/o"
    assert answer["code"]


def test_wrong_code_verifier_is_refused(client, resident, web_app):
    code = consent(client, web_app)["code"]
    other_verifier, _ = pkce_pair()

    response = _exchange(client, code, other_verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_authorization_code_is_single_use(client, resident, web_app):
    verifier, challenge = pkce_pair()
    code = consent(client, web_app, verifier_challenge=(verifier, challenge))["code"]

    first = _exchange(client, code, verifier)
    second = _exchange(client, code, verifier)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_authorization_code_lives_at_most_60_seconds_and_is_refused_after(client, resident, web_app):
    verifier, challenge = pkce_pair()
    code = consent(client, web_app, verifier_challenge=(verifier, challenge))["code"]
    grant = Grant.objects.get()
    assert grant.expires - grant.created <= timedelta(seconds=60)

    Grant.objects.filter(pk=grant.pk).update(expires=timezone.now() - timedelta(seconds=1))
    response = _exchange(client, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        WEB_REDIRECT_URI + "/",
        WEB_REDIRECT_URI + "?next=https://evil.example",
        "https://partner.example.cn:8443/oauth/callback",
        "https://evil.example/oauth/callback",
        "http://partner.example.cn/oauth/callback",
        WEB_REDIRECT_URI.upper(),
    ],
)
def test_redirect_uri_must_match_the_registered_one_exactly(client, resident, web_app, redirect_uri):
    _verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(web_app, redirect_uri=redirect_uri, code_challenge=challenge, code_challenge_method="S256")
    )

    # Never redirected anywhere: the resident sees an error page instead.
    assert response.status_code == 400
    assert "Location" not in response
    assert "授权请求无效" in response.content.decode()


def test_loopback_redirect_uri_may_not_change_its_port(client, resident):
    application = make_web_application(redirect_uris="http://127.0.0.1:8000/partner-callback")
    _verifier, challenge = pkce_pair()

    response = client.get(
        authorize_url(
            application,
            redirect_uri="http://127.0.0.1:9999/partner-callback",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )

    assert response.status_code == 400
    assert "Location" not in response


def test_token_request_with_another_redirect_uri_is_refused(client, resident, web_app):
    verifier, challenge = pkce_pair()
    code = consent(client, web_app, verifier_challenge=(verifier, challenge))["code"]

    response = _exchange(client, code, verifier, redirect_uri=WEB_REDIRECT_URI + "/")

    assert response.status_code == 400


def test_scope_outside_the_applications_allow_list_is_refused(client, resident, web_app):
    _verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(web_app, scope="openid payments:read", code_challenge=challenge, code_challenge_method="S256")
    )

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_scope"
    assert not Grant.objects.exists()


def test_refusing_consent_sends_access_denied_back_to_the_partner(client, resident, web_app):
    answer = consent(client, web_app, allow=False)

    assert answer["error"] == "access_denied"
    assert "code" not in answer
    assert not Grant.objects.exists()


def test_consent_page_is_in_chinese_and_lists_what_the_partner_gets(client, resident, web_app):
    _verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(
            web_app,
            scope="openid profile phone applications:read",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "“合作网站”请求使用您的通办账号" in html
    for description in ["使用通办账号登录", "查看您的姓名", "查看您的手机号码", "查看您的办件"]:
        assert description in html
    assert 'href="/account/authorizations/"' in html  # where consent is withdrawn, as the page promises
    assert 'name="allow"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script: the CSP stays strict


def test_consent_page_speaks_english_when_the_partner_asks_for_ui_locales_en(client, resident, web_app):
    _verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(web_app, code_challenge=challenge, code_challenge_method="S256", ui_locales="en-GB en")
    )
    html = response.content.decode()

    assert "Sign in with your Tongban account" in html
    assert "See your name" in html
    assert "See your mobile number" not in html  # not asked for: openid profile
    assert "使用通办账号登录" not in html


def test_anonymous_visitor_is_sent_to_sign_in_first(client, web_app):
    _verifier, challenge = pkce_pair()
    response = client.get(authorize_url(web_app, code_challenge=challenge, code_challenge_method="S256"))

    assert response.status_code == 302
    assert not response["Location"].startswith(WEB_REDIRECT_URI)
    assert not Grant.objects.exists()


def test_consent_page_lets_its_form_answer_redirect_to_the_validated_callback_only(client, resident, web_app):
    """Browsers that apply form-action to redirects would otherwise block the way back to the partner."""
    _verifier, challenge = pkce_pair()
    response = client.get(authorize_url(web_app, code_challenge=challenge, code_challenge_method="S256"))

    directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert directives["form-action"].split() == ["'self'", WEB_REDIRECT_URI]
    assert directives["script-src"] == "'self'"


# --- A replayed code revokes what it issued (RFC 6749 §4.1.2) ---------------------------


def test_replaying_a_code_revokes_the_tokens_issued_from_it(client, resident, web_app):
    from oauth2_provider.models import get_access_token_model, get_id_token_model, get_refresh_token_model

    from identity.models import UsedAuthorizationCode

    verifier, challenge = pkce_pair()
    code = consent(client, web_app, verifier_challenge=(verifier, challenge))["code"]
    tokens = _exchange(client, code, verifier).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/o/userinfo/", **bearer).status_code == 200
    # The partner refreshes once: the new pair belongs to the same family and goes too.
    refreshed = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **basic_auth("web-partner", WEB_SECRET),
    ).json()
    assert UsedAuthorizationCode.objects.filter(application=web_app).count() == 1
    assert code not in str(list(UsedAuthorizationCode.objects.values_list("code_hash", flat=True)))

    replay = _exchange(client, code, verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.filter(user=resident).exists()
    assert not get_id_token_model().objects.filter(user=resident).exists()
    assert not get_refresh_token_model().objects.filter(user=resident, revoked__isnull=True).exists()
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {refreshed['access_token']}").status_code == 401
    again = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        **basic_auth("web-partner", WEB_SECRET),
    )
    assert again.status_code == 400


def test_a_replayed_code_leaves_the_residents_other_sign_ins_alone(client, resident, web_app):
    from oauth2_provider.models import get_access_token_model

    verifier, challenge = pkce_pair()
    code = consent(client, web_app, verifier_challenge=(verifier, challenge))["code"]
    _exchange(client, code, verifier)
    other = authorization_code_tokens(client, web_app)

    _exchange(client, code, verifier)

    assert get_access_token_model().objects.filter(user=resident).count() == 1
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {other['access_token']}").status_code == 200


# --- Pairwise subjects (OIDC Core §8.1) ------------------------------------------------


def _id_token_sub(client, tokens) -> str:
    keys = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    return json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"]).claims)["sub"]


def test_two_partners_see_different_stable_subjects_for_one_resident(client, resident, web_app):
    other_app = make_web_application(
        client_id="other-web-partner", name="另一合作网站", redirect_uris="https://other.example.org/callback"
    )

    first = authorization_code_tokens(client, web_app)
    second = authorization_code_tokens(client, web_app)
    elsewhere = authorization_code_tokens(client, other_app)

    ours = _id_token_sub(client, first)
    assert _id_token_sub(client, second) == ours
    theirs = _id_token_sub(client, elsewhere)
    assert theirs != ours
    assert str(resident.pk) not in (ours, theirs)
    userinfo = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {elsewhere['access_token']}").json()
    assert userinfo["sub"] == theirs


def test_the_subject_depends_on_the_key_setting(resident, web_app, settings):
    from identity.oauth.subjects import pairwise_subject

    before = pairwise_subject(user=resident, application=web_app)
    settings.OIDC_PAIRWISE_SUBJECT_KEY = "another-key"

    assert pairwise_subject(user=resident, application=web_app) != before


def test_used_codes_are_forgotten_once_their_tokens_cannot_be_alive(client, resident, web_app, settings):
    from identity.models import UsedAuthorizationCode
    from identity.oauth.tasks import purge_used_authorization_codes

    authorization_code_tokens(client, web_app)
    authorization_code_tokens(client, web_app)
    old, recent = UsedAuthorizationCode.objects.order_by("pk")
    provider = settings.OAUTH2_PROVIDER
    lifetime = provider["REFRESH_TOKEN_EXPIRE_SECONDS"] + provider["ACCESS_TOKEN_EXPIRE_SECONDS"]
    UsedAuthorizationCode.objects.filter(pk=old.pk).update(used_at=timezone.now() - timedelta(seconds=lifetime + 60))

    assert purge_used_authorization_codes() == 1
    assert list(UsedAuthorizationCode.objects.values_list("pk", flat=True)) == [recent.pk]
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "identity.purge_used_authorization_codes"
    )
    assert entry["schedule"] == 24 * 3600.0
