"""Client credentials, token lifetimes, refresh-token rotation and reuse, disabling a user."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from common.exceptions import ApplicationError
from identity.oauth.services import oauth_tokens_revoke_for_user, partner_scopes_set

from .factories import UserFactory
from .oauth_helpers import (
    BACKEND_SECRET,
    WEB_SECRET,
    authorization_code_tokens,
    basic_auth,
    client_credentials_token,
    consent,
    make_backend_application,
    make_web_application,
)

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
IDToken = get_id_token_model()
Grant = get_grant_model()

pytestmark = pytest.mark.django_db


def _refresh(client, refresh_token):
    return client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        **basic_auth("web-partner", WEB_SECRET),
    )


def test_client_credentials_token_works_and_lives_at_most_an_hour(client):
    application = make_backend_application(scopes=["catalogue:read", "eid:verify"])

    before = timezone.now()
    response = client_credentials_token(client, application)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "catalogue:read"
    assert 0 < body["expires_in"] <= 3600
    assert "refresh_token" not in body
    token = AccessToken.objects.get()
    assert token.user is None
    assert token.expires <= before + timedelta(seconds=3600) + timedelta(seconds=5)


def test_client_credentials_with_a_wrong_secret_is_refused(client):
    application = make_backend_application()

    response = client_credentials_token(client, application, secret=BACKEND_SECRET + "x")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_client_credentials_scope_outside_the_allow_list_is_refused(client):
    application = make_backend_application(scopes=["catalogue:read"])

    response = client_credentials_token(client, application, scope="catalogue:read payments:read")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()


def test_application_without_an_allow_list_gets_no_scope(client):
    application = make_backend_application()
    application.partner_scope_grant.delete()

    response = client_credentials_token(client, application, scope="catalogue:read")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_client_credentials_application_cannot_use_the_authorization_code_grant(client):
    """One grant type per application: a partner using both registers two."""
    application = make_backend_application()
    client.force_login(UserFactory())

    response = client.get(
        f"/o/authorize/?response_type=code&client_id={application.client_id}&scope=catalogue:read"
        "&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=S256"
    )

    assert response.status_code == 400
    assert not Grant.objects.exists()


def test_tokens_are_stored_only_as_checksums(client):
    client.force_login(UserFactory())
    tokens = authorization_code_tokens(client, make_web_application())

    access = AccessToken.objects.get()
    refresh = RefreshToken.objects.get()
    assert access.token == ""
    assert refresh.token == ""
    assert tokens["access_token"] not in (access.token_checksum, refresh.token_checksum)


def test_refresh_rotates_the_refresh_token(client):
    client.force_login(UserFactory())
    first = authorization_code_tokens(client, make_web_application())

    response = _refresh(client, first["refresh_token"])

    assert response.status_code == 200, response.content
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert 0 < second["expires_in"] <= 3600


def test_refresh_token_reuse_is_refused_and_revokes_the_whole_family(client):
    client.force_login(UserFactory())
    first = authorization_code_tokens(client, make_web_application())
    second = _refresh(client, first["refresh_token"]).json()
    client.logout()

    replay = _refresh(client, first["refresh_token"])

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The replay may be an attacker's: the legitimate successor dies with it.
    assert _refresh(client, second["refresh_token"]).status_code == 400
    assert not AccessToken.objects.exists()
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert me.status_code == 401


def test_disabling_a_user_revokes_their_tokens_at_once(client):
    user = UserFactory()
    client.force_login(user)
    tokens = authorization_code_tokens(client, make_web_application())
    client.logout()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me/", **bearer).status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get("/api/v1/me/", **bearer)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert _refresh(client, tokens["refresh_token"]).status_code == 400
    assert client.get("/o/userinfo/", **bearer).status_code == 401
    assert not AccessToken.objects.filter(user=user).exists()
    assert not IDToken.objects.filter(user=user).exists()
    assert not RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()


def test_disabling_a_user_also_voids_an_unused_authorization_code(client):
    user = UserFactory()
    client.force_login(user)
    consent(client, make_web_application())
    assert Grant.objects.filter(user=user).exists()

    user.is_active = False
    user.save()

    assert not Grant.objects.filter(user=user).exists()


def test_other_users_tokens_survive_when_one_user_is_disabled(client):
    application = make_web_application()
    alice, bob = UserFactory(username="alice", mobile="13800000001"), UserFactory(username="bob", mobile="13800000002")
    client.force_login(alice)
    authorization_code_tokens(client, application)
    client.force_login(bob)
    bob_tokens = authorization_code_tokens(client, application)

    alice.is_active = False
    alice.save()

    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {bob_tokens['access_token']}").status_code == 200


def test_a_token_of_an_inactive_user_is_refused_even_if_revocation_was_bypassed(client):
    user = UserFactory()
    client.force_login(user)
    tokens = authorization_code_tokens(client, make_web_application())
    client.logout()
    # A bulk update sends no signal, so the tokens are still there.
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert AccessToken.objects.filter(user=user).exists()

    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    assert _refresh(client, tokens["refresh_token"]).status_code == 400

    assert oauth_tokens_revoke_for_user(user=user) > 0
    assert not AccessToken.objects.filter(user=user).exists()


def test_access_token_in_the_query_string_is_not_accepted(client):
    client.force_login(UserFactory())
    tokens = authorization_code_tokens(client, make_web_application())
    client.logout()

    response = client.get(f"/api/v1/me/?access_token={tokens['access_token']}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_setting_an_unknown_scope_on_a_partner_is_refused():
    application = make_backend_application(scopes=["catalogue:read"])

    with pytest.raises(ApplicationError) as refused:
        partner_scopes_set(application=application, scopes=["catalogue:read", "everything"])

    assert refused.value.code == "unknown_scope"
    assert "everything" in str(refused.value.message)
    application.partner_scope_grant.refresh_from_db()
    assert application.partner_scope_grant.scopes == ["catalogue:read"]
