"""Partner client registration services: redirect URIs, secret rotation, public keys, the change record."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone
from joserfc import jwk
from oauth2_provider.models import get_access_token_model

from common.exceptions import ApplicationError
from identity.models import OAuthClientEvent, OAuthClientKey, OAuthClientSecret
from identity.oauth.clients import (
    oauth_client_auth_method_set,
    oauth_client_create,
    oauth_client_key_add,
    oauth_client_key_revoke,
    oauth_client_redirect_uris_set,
    oauth_client_secret_rotate,
)
from identity.oauth.selectors import oauth_client_events, oauth_client_keys, oauth_client_secret_status
from identity.oauth.services import partner_scopes_set

from .factories import UserFactory
from .oauth_helpers import BACKEND_SECRET, basic_auth, make_backend_application

AccessToken = get_access_token_model()

pytestmark = pytest.mark.django_db

CALLBACK = "https://partner.example.cn/oauth/callback"
RSA_KEY = jwk.RSAKey.generate_key(2048)


@pytest.fixture
def owner():
    return UserFactory(username="partner-owner", mobile="13900000011")


def _secret_client(owner, *, auth_method="client_secret_basic"):
    application, secret = oauth_client_create(
        owner=owner,
        name="合作方后台",
        grant_type="client-credentials",
        auth_method=auth_method,
        redirect_uris=[],
        actor=owner,
    )
    partner_scopes_set(application=application, scopes=["catalogue:read"])
    return application, secret


def _token_status(client, application, secret) -> int:
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "catalogue:read"},
        **basic_auth(application.client_id, secret),
    )
    return response.status_code


# --- registration -------------------------------------------------------------------------------


def test_create_registers_a_confidential_rs256_client_and_shows_the_secret_once(client, owner):
    application, secret = _secret_client(owner)

    assert application.user == owner
    assert application.client_type == "confidential"
    assert application.authorization_grant_type == "client-credentials"
    assert application.algorithm == "RS256"
    assert secret and application.client_secret != secret  # stored hashed only
    assert _token_status(client, application, secret) == 200
    # client_secret_post works with the same secret.
    response = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "scope": "catalogue:read",
            "client_id": application.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200


def test_an_authorization_code_client_needs_a_redirect_uri_and_a_backend_client_none(owner):
    with pytest.raises(ApplicationError) as refused:
        oauth_client_create(
            owner=owner,
            name="网站",
            grant_type="authorization-code",
            auth_method="private_key_jwt",
            redirect_uris=[],
            actor=owner,
        )
    assert refused.value.code == "invalid_redirect_uri"
    with pytest.raises(ApplicationError):
        oauth_client_create(
            owner=owner,
            name="后台",
            grant_type="client-credentials",
            auth_method="client_secret_basic",
            redirect_uris=[CALLBACK],
            actor=owner,
        )
    with pytest.raises(ApplicationError) as refused:
        oauth_client_create(
            owner=owner,
            name="x",
            grant_type="password",
            auth_method="client_secret_basic",
            redirect_uris=[],
            actor=owner,
        )
    assert refused.value.code == "invalid_grant_type"
    with pytest.raises(ApplicationError) as refused:
        oauth_client_create(
            owner=owner, name="x", grant_type="client-credentials", auth_method="none", redirect_uris=[], actor=owner
        )
    assert refused.value.code == "invalid_auth_method"
    assert not OAuthClientEvent.objects.exists()


# --- redirect URIs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://partner.example.cn/callback",
        "https://partner.example.cn/callback#done",
        "https://partner.example.cn/callback#",
        "https://*.example.cn/callback",
        "https://partner.example.cn/*",
        "https://user:pw@partner.example.cn/callback",
        "ftp://partner.example.cn/callback",
        "partner.example.cn/callback",
        "https:///callback",
        "https://partner.example.cn/call back",
        "http://127.0.0.2/callback",
        "http://localhost.evil.cn/callback",
        "javascript:alert(1)",
        "",
    ],
)
def test_a_bad_redirect_uri_is_refused_with_a_chinese_message(owner, uri):
    application = oauth_client_create(
        owner=owner,
        name="网站",
        grant_type="authorization-code",
        auth_method="client_secret_basic",
        redirect_uris=[CALLBACK],
        actor=owner,
    )[0]

    with pytest.raises(ApplicationError) as refused:
        oauth_client_redirect_uris_set(application=application, redirect_uris=[CALLBACK, uri], actor=owner)

    assert refused.value.code == "invalid_redirect_uri"
    assert "回调地址" in str(refused.value.message)
    application.refresh_from_db()
    assert application.redirect_uris == CALLBACK


def test_exact_https_and_loopback_http_redirect_uris_are_accepted_and_used_exactly(client, owner):
    application = oauth_client_create(
        owner=owner,
        name="网站",
        grant_type="authorization-code",
        auth_method="client_secret_basic",
        redirect_uris=[CALLBACK],
        actor=owner,
    )[0]
    uris = [
        "https://partner.example.cn/cb?tenant=1",
        "http://127.0.0.1:8080/cb",
        "http://[::1]:9000/cb",
        "http://localhost/cb",
    ]

    oauth_client_redirect_uris_set(application=application, redirect_uris=[*uris, uris[0]], actor=owner)

    application.refresh_from_db()
    assert application.redirect_uris.split() == uris
    # The old callback no longer works at the authorization endpoint.
    partner_scopes_set(application=application, scopes=["openid"])
    client.force_login(UserFactory(username="resident", mobile="13900000012"))
    page = client.get(
        f"/o/authorize/?response_type=code&client_id={application.client_id}&redirect_uri={CALLBACK}"
        "&scope=openid&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=S256"
    )
    assert page.status_code == 400


# --- secret rotation ----------------------------------------------------------------------------


def test_rotation_keeps_the_old_secret_for_the_overlap_then_refuses_it(client, owner):
    application, old = _secret_client(owner)

    new = oauth_client_secret_rotate(application=application, actor=owner, overlap_hours=24)

    assert new != old
    assert _token_status(client, application, old) == 200
    assert _token_status(client, application, new) == 200
    status = oauth_client_secret_status(application=application)
    assert status["uses_secret"] is True
    assert status["current"]["created_at"] is not None
    [previous] = status["previous"]
    assert timedelta(hours=23) < previous["expires_at"] - timezone.now() <= timedelta(hours=24)
    assert old not in str(status) and new not in str(status)

    # The overlap ends (set in the past rather than waiting a day).
    OAuthClientSecret.objects.filter(application=application, expires_at__isnull=False).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert _token_status(client, application, old) == 401
    assert _token_status(client, application, new) == 200
    assert oauth_client_secret_status(application=application)["previous"] == []


def test_rotating_twice_leaves_the_first_secret_its_own_end(client, owner):
    application, first = _secret_client(owner)
    second = oauth_client_secret_rotate(application=application, actor=owner, overlap_hours=1)
    third = oauth_client_secret_rotate(application=application, actor=owner, overlap_hours=48)

    assert {_token_status(client, application, secret) for secret in (first, second, third)} == {200}
    ends = sorted(row["expires_at"] for row in oauth_client_secret_status(application=application)["previous"])
    assert ends[0] - timezone.now() <= timedelta(hours=1)
    assert ends[1] - timezone.now() > timedelta(hours=47)


def test_a_zero_hour_overlap_stops_the_old_secret_at_once(client, owner):
    application, old = _secret_client(owner)

    new = oauth_client_secret_rotate(application=application, actor=owner, overlap_hours=0)

    assert _token_status(client, application, old) == 401
    assert _token_status(client, application, new) == 200


def test_an_application_registered_in_the_admin_can_rotate_with_an_overlap(client, owner):
    application = make_backend_application()

    new = oauth_client_secret_rotate(application=application, actor=owner)

    assert _token_status(client, application, BACKEND_SECRET) == 200
    assert _token_status(client, application, new) == 200
    assert _token_status(client, application, "a-wrong-secret") == 401


def test_rotation_is_refused_for_a_private_key_jwt_client_and_for_a_bad_overlap(owner):
    pkjwt, _none = oauth_client_create(
        owner=owner,
        name="私钥客户端",
        grant_type="client-credentials",
        auth_method="private_key_jwt",
        redirect_uris=[],
        actor=owner,
    )
    with pytest.raises(ApplicationError) as refused:
        oauth_client_secret_rotate(application=pkjwt, actor=owner)
    assert refused.value.code == "no_secret"
    application, _secret = _secret_client(owner)
    for hours in (-1, 10_000):
        with pytest.raises(ApplicationError) as refused:
            oauth_client_secret_rotate(application=application, actor=owner, overlap_hours=hours)
        assert refused.value.code == "invalid_overlap"


def test_switching_back_to_a_secret_issues_a_new_one(client, owner):
    application, first = _secret_client(owner)
    oauth_client_auth_method_set(application=application, auth_method="private_key_jwt", actor=owner)
    assert _token_status(client, application, first) == 401
    assert oauth_client_secret_status(application=application)["uses_secret"] is False

    second = oauth_client_auth_method_set(application=application, auth_method="client_secret_basic", actor=owner)

    assert second
    assert _token_status(client, application, second) == 200
    assert _token_status(client, application, first) == 401
    # Between the two secret methods nothing is issued.
    assert oauth_client_auth_method_set(application=application, auth_method="client_secret_post", actor=owner) is None


# --- public keys --------------------------------------------------------------------------------


def test_a_key_without_kid_gets_its_rfc7638_thumbprint(owner):
    application, _secret = _secret_client(owner)

    key = oauth_client_key_add(application=application, public_jwk=RSA_KEY.as_dict(private=False), actor=owner)

    assert key.kid == RSA_KEY.thumbprint() == key.thumbprint
    assert key.public_jwk["kid"] == key.kid
    assert "d" not in key.public_jwk
    assert list(oauth_client_keys(application=application)) == [key]


@pytest.mark.parametrize(
    ("public_jwk", "code"),
    [
        (RSA_KEY.as_dict(private=True), "private_key"),
        (jwk.ECKey.generate_key("P-256").as_dict(private=True), "private_key"),
        ({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}, "private_key"),
        (jwk.RSAKey.generate_key(1024).as_dict(private=False), "weak_key"),
        (jwk.ECKey.generate_key("P-384").as_dict(private=False), "invalid_key"),
        (jwk.OKPKey.generate_key("Ed448").as_dict(private=False), "invalid_key"),
        (jwk.OKPKey.generate_key("X25519").as_dict(private=False), "invalid_key"),
        ({**RSA_KEY.as_dict(private=False), "use": "enc"}, "invalid_key"),
        ({**RSA_KEY.as_dict(private=False), "alg": "ES256"}, "invalid_key"),
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, "invalid_key"),
        ("not a dict", "invalid_key"),
    ],
    ids=[
        "rsa-private",
        "ec-private",
        "oct",
        "rsa-1024",
        "p-384",
        "ed448",
        "x25519",
        "use-enc",
        "alg-mismatch",
        "garbage",
        "not-a-dict",
    ],
)
@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_a_key_that_is_not_a_good_public_signing_key_is_refused(owner, public_jwk, code):
    application, _secret = _secret_client(owner)

    with pytest.raises(ApplicationError) as refused:
        oauth_client_key_add(application=application, public_jwk=public_jwk, actor=owner)

    assert refused.value.code == code
    assert not OAuthClientKey.objects.exists()


def test_the_same_key_or_kid_twice_is_refused_until_revoked(owner):
    application, _secret = _secret_client(owner)
    first = oauth_client_key_add(application=application, public_jwk=RSA_KEY.as_dict(private=False), actor=owner)

    with pytest.raises(ApplicationError) as refused:
        oauth_client_key_add(application=application, public_jwk=RSA_KEY.as_dict(private=False), actor=owner)
    assert refused.value.code == "duplicate_key"
    other = jwk.RSAKey.generate_key(2048).as_dict(private=False)
    with pytest.raises(ApplicationError) as refused:
        oauth_client_key_add(application=application, public_jwk={**other, "kid": first.kid}, actor=owner)
    assert refused.value.code == "duplicate_kid"

    oauth_client_key_revoke(key_id=first.pk, actor=owner)
    again = oauth_client_key_add(application=application, public_jwk=RSA_KEY.as_dict(private=False), actor=owner)

    assert list(oauth_client_keys(application=application)) == [again]
    assert set(oauth_client_keys(application=application, include_revoked=True)) == {first, again}
    # Revoking is idempotent and records once.
    oauth_client_key_revoke(key_id=first.pk, actor=owner)
    assert OAuthClientEvent.objects.filter(action="key_revoked").count() == 1
    with pytest.raises(ApplicationError) as refused:
        oauth_client_key_revoke(key_id=0, actor=owner)
    assert refused.value.code == "not_found"


# --- the change record --------------------------------------------------------------------------


def test_every_change_is_recorded_with_who_and_never_a_secret(client, owner):
    official = UserFactory(username="official", mobile="13900000013", is_staff=True)
    application, first = oauth_client_create(
        owner=owner,
        name="网站",
        grant_type="authorization-code",
        auth_method="client_secret_basic",
        redirect_uris=[CALLBACK],
        actor=owner,
    )
    second = oauth_client_secret_rotate(application=application, actor=owner)
    oauth_client_redirect_uris_set(application=application, redirect_uris=["https://partner.example.cn/b"], actor=owner)
    key = oauth_client_key_add(application=application, public_jwk=RSA_KEY.as_dict(private=False), actor=owner)
    oauth_client_auth_method_set(application=application, auth_method="private_key_jwt", actor=owner)
    oauth_client_key_revoke(key_id=key.pk, actor=official)

    events = list(oauth_client_events(application=application))

    assert [event.action for event in reversed(events)] == [
        "created",
        "secret_rotated",
        "redirect_uris_set",
        "key_added",
        "auth_method_set",
        "key_revoked",
    ]
    assert events[0].actor == official
    assert all(event.actor == owner for event in events[1:])
    assert all(event.client_id == application.client_id for event in events)
    assert "https://partner.example.cn/b" in events[3].summary
    assert key.thumbprint in events[2].summary
    hashes = list(OAuthClientSecret.objects.values_list("secret_hash", flat=True))
    for event in events:
        for secret in (first, second, *hashes):
            assert secret not in event.summary
        assert '"n"' not in event.summary


def test_the_change_record_is_append_only_and_outlives_the_client(owner):
    application, _secret = _secret_client(owner)
    event = OAuthClientEvent.objects.get()

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    client_id = application.client_id
    application.delete()

    event = OAuthClientEvent.objects.get()
    assert event.application is None
    assert event.client_id == client_id


def test_the_admin_shows_clients_read_only():
    for model in (OAuthClientEvent, OAuthClientKey, OAuthClientSecret):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(None)
        assert not model_admin.has_change_permission(None)
        assert not model_admin.has_delete_permission(None)
