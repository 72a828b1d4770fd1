"""private_key_jwt client authentication (RFC 7523 §2.2, OIDC Core §9), as a partner would do it.

Assertions are built with PyJWT, as a partner's own code would, and with
authlib's ``PrivateKeyJWT`` against the live server; verification is ours
(joserfc). Nothing of ours is mocked.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt as pyjwt
import pytest
from joserfc import jwk
from oauth2_provider.models import get_access_token_model

from identity.models import OAuthClientKey, UsedClientAssertion
from identity.oauth.clients import (
    JWT_BEARER_ASSERTION_TYPE,
    oauth_client_auth_method_set,
    oauth_client_create,
    oauth_client_key_add,
    oauth_client_key_revoke,
    used_client_assertions_purge,
)
from identity.oauth.services import partner_scopes_set

from .factories import UserFactory
from .oauth_helpers import basic_auth, consent, pkce_pair

AccessToken = get_access_token_model()

pytestmark = pytest.mark.django_db

TOKEN_ENDPOINT = "http://testserver/o/token/"
ISSUER = "http://testserver/o"
CALLBACK = "https://partner.example.cn/oauth/callback"

RSA_KEY = jwk.RSAKey.generate_key(2048)
OTHER_RSA_KEY = jwk.RSAKey.generate_key(2048)
EC_KEY = jwk.ECKey.generate_key("P-256")
ED_KEY = jwk.OKPKey.generate_key("Ed25519")


def _public(key, **members) -> dict:
    return {**key.as_dict(private=False), **members}


def _pem(key) -> bytes:
    return key.as_pem(private=True)


@pytest.fixture
def owner():
    return UserFactory(username="partner-owner", mobile="13900000001")


def make_client(owner, *, grant_type="client-credentials", scopes=("catalogue:read",), key=RSA_KEY, kid="key-1"):
    application, secret = oauth_client_create(
        owner=owner,
        name="合作方系统",
        grant_type=grant_type,
        auth_method="private_key_jwt",
        redirect_uris=[CALLBACK] if grant_type == "authorization-code" else [],
        actor=owner,
    )
    assert secret is None
    partner_scopes_set(application=application, scopes=list(scopes))
    if key is not None:
        oauth_client_key_add(application=application, public_jwk=_public(key, kid=kid), actor=owner)
    return application


def assertion(client_id, *, key=RSA_KEY, alg="RS256", kid="key-1", **overrides) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": TOKEN_ENDPOINT, "iat": now, "exp": now + 120}
    claims["jti"] = str(uuid.uuid4())
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    headers = {"kid": kid} if kid else {}
    return pyjwt.encode(claims, _pem(key), algorithm=alg, headers=headers)


def token_request(client, signed: str, **data):
    body = {
        "grant_type": "client_credentials",
        "scope": "catalogue:read",
        "client_assertion_type": JWT_BEARER_ASSERTION_TYPE,
        "client_assertion": signed,
        **data,
    }
    return client.post("/o/token/", body)


def assert_invalid_client(response):
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


# --- the good cases -----------------------------------------------------------------------------


def test_client_credentials_token_with_an_rs256_assertion(client, owner):
    application = make_client(owner)

    response = token_request(client, assertion(application.client_id))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "catalogue:read"
    token = AccessToken.objects.get()
    assert token.application == application
    assert UsedClientAssertion.objects.filter(application=application).count() == 1


@pytest.mark.parametrize(
    ("key", "alg"),
    [(RSA_KEY, "PS256"), (EC_KEY, "ES256"), (ED_KEY, "EdDSA")],
    ids=["PS256", "ES256", "EdDSA"],
)
def test_every_supported_algorithm_works(client, owner, key, alg):
    application = make_client(owner, key=key)

    response = token_request(client, assertion(application.client_id, key=key, alg=alg))

    assert response.status_code == 200, response.content


def test_the_issuer_is_accepted_as_audience_and_client_id_may_be_sent(client, owner):
    application = make_client(owner)

    response = token_request(client, assertion(application.client_id, aud=ISSUER), client_id=application.client_id)

    assert response.status_code == 200, response.content


def test_the_rfc9864_name_ed25519_is_accepted_and_aud_may_be_a_list(client, owner):
    from joserfc import jwt as josejwt

    application = make_client(owner, key=ED_KEY)
    now = int(time.time())
    claims = {
        "iss": application.client_id,
        "sub": application.client_id,
        "aud": ["https://elsewhere.example.cn", TOKEN_ENDPOINT],
        "exp": now + 60,
        "jti": "one",
    }
    signed = josejwt.encode({"alg": "Ed25519", "kid": "key-1"}, claims, ED_KEY, algorithms=["Ed25519"])

    response = token_request(client, signed)

    assert response.status_code == 200, response.content


def test_without_kid_the_clients_keys_are_tried(client, owner):
    application = make_client(owner, kid=None)
    oauth_client_key_add(application=application, public_jwk=_public(OTHER_RSA_KEY), actor=owner)

    response = token_request(client, assertion(application.client_id, kid=None))

    assert response.status_code == 200, response.content


# --- refused ------------------------------------------------------------------------------------


def test_a_replayed_assertion_is_refused(client, owner):
    application = make_client(owner)
    signed = assertion(application.client_id)
    assert token_request(client, signed).status_code == 200
    AccessToken.objects.all().delete()

    assert_invalid_client(token_request(client, signed))


@pytest.mark.parametrize(
    ("overrides", "signing"),
    [
        ({"aud": "https://elsewhere.example.cn/token"}, {}),
        ({"aud": "http://testserver/o/authorize/"}, {}),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, {}),
        ({"exp": None}, {}),
        ({"exp": int(time.time()) + 24 * 3600}, {}),
        ({"jti": None}, {}),
        ({"exp": float("nan")}, {}),
        ({"aud": ["https://elsewhere.example.cn/token"]}, {}),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 3700}, {}),
        ({"sub": "someone-else"}, {}),
        ({}, {"key": OTHER_RSA_KEY}),
        ({}, {"key": OTHER_RSA_KEY, "kid": None}),
        ({}, {"kid": "unknown-kid"}),
        ({}, {"key": EC_KEY, "alg": "ES256"}),
    ],
    ids=[
        "wrong-aud",
        "aud-another-endpoint",
        "expired",
        "no-exp",
        "exp-a-day-ahead",
        "no-jti",
        "exp-nan",
        "aud-list-without-us",
        "issued-in-the-future",
        "sub-not-client",
        "wrong-key",
        "wrong-key-no-kid",
        "unknown-kid",
        "key-not-registered",
    ],
)
def test_a_bad_assertion_is_refused_with_invalid_client(client, owner, overrides, signing):
    application = make_client(owner)
    signed = assertion(application.client_id, **signing, **overrides)

    assert_invalid_client(token_request(client, signed))


def test_alg_none_is_refused(client, owner):
    application = make_client(owner)
    now = int(time.time())
    claims = {"iss": application.client_id, "sub": application.client_id, "aud": TOKEN_ENDPOINT, "exp": now + 60}
    unsigned = pyjwt.encode({**claims, "jti": "x"}, None, algorithm="none")

    assert_invalid_client(token_request(client, unsigned))


def test_hs256_signed_with_the_public_key_is_refused(client, owner):
    """The classic algorithm confusion: an HMAC keyed with the registered public key."""
    application = make_client(owner)
    now = int(time.time())
    claims = {"iss": application.client_id, "sub": application.client_id, "aud": TOKEN_ENDPOINT, "exp": now + 60}

    # PyJWT and joserfc both refuse a PEM as an HMAC key, so sign by hand.
    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        segment(json.dumps({"alg": "HS256", "kid": "key-1"}).encode())
        + "."
        + segment(json.dumps({**claims, "jti": "x"}).encode())
    )
    mac = hmac.new(RSA_KEY.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{segment(mac)}"

    assert_invalid_client(token_request(client, forged))


def test_a_client_id_parameter_naming_another_client_is_refused(client, owner):
    application = make_client(owner)
    other = make_client(owner, kid="key-2")

    assert_invalid_client(token_request(client, assertion(application.client_id), client_id=other.client_id))


def test_a_wrong_assertion_type_is_refused(client, owner):
    application = make_client(owner)

    response = token_request(
        client,
        assertion(application.client_id),
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
    )

    assert_invalid_client(response)


def test_an_assertion_signed_with_a_revoked_key_is_refused(client, owner):
    application = make_client(owner)
    key = OAuthClientKey.objects.get(application=application)

    oauth_client_key_revoke(key_id=key.pk, actor=owner)

    assert_invalid_client(token_request(client, assertion(application.client_id)))


def test_a_private_key_jwt_client_cannot_use_a_secret(client, owner):
    application = make_client(owner)
    # Whatever its stored secret is, a secret does not authenticate it: set one we know.
    application.client_secret = "known-secret"
    application.save()

    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "catalogue:read"},
        **basic_auth(application.client_id, "known-secret"),
    )
    assert_invalid_client(response)
    response = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "scope": "catalogue:read",
            "client_id": application.client_id,
            "client_secret": "known-secret",
        },
    )
    assert_invalid_client(response)


def test_a_secret_beside_the_assertion_is_refused(client, owner):
    application = make_client(owner)

    response = token_request(client, assertion(application.client_id), client_secret="anything")

    assert_invalid_client(response)


def test_a_client_with_a_secret_cannot_use_an_assertion(client, owner):
    application, secret = oauth_client_create(
        owner=owner,
        name="密钥客户端",
        grant_type="client-credentials",
        auth_method="client_secret_basic",
        redirect_uris=[],
        actor=owner,
    )
    partner_scopes_set(application=application, scopes=["catalogue:read"])
    oauth_client_key_add(application=application, public_jwk=_public(RSA_KEY, kid="key-1"), actor=owner)

    assert_invalid_client(token_request(client, assertion(application.client_id)))
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "catalogue:read"},
        **basic_auth(application.client_id, secret),
    )
    assert response.status_code == 200, response.content


def test_switching_to_private_key_jwt_stops_the_secret_at_once(client, owner):
    application, secret = oauth_client_create(
        owner=owner,
        name="切换认证方式",
        grant_type="client-credentials",
        auth_method="client_secret_post",
        redirect_uris=[],
        actor=owner,
    )
    partner_scopes_set(application=application, scopes=["catalogue:read"])
    oauth_client_key_add(application=application, public_jwk=_public(EC_KEY), actor=owner)

    assert oauth_client_auth_method_set(application=application, auth_method="private_key_jwt", actor=owner) is None

    refused = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "scope": "catalogue:read",
            "client_id": application.client_id,
            "client_secret": secret,
        },
    )
    assert_invalid_client(refused)
    kid = OAuthClientKey.objects.get(application=application).kid
    response = token_request(client, assertion(application.client_id, key=EC_KEY, alg="ES256", kid=kid))
    assert response.status_code == 200, response.content


# --- the other endpoints and grants -------------------------------------------------------------


def test_authorization_code_with_pkce_is_exchanged_with_an_assertion(client, owner):
    application = make_client(owner, grant_type="authorization-code", scopes=("openid", "profile"))
    client.force_login(UserFactory(username="resident", mobile="13900000002"))
    verifier, challenge = pkce_pair()
    code = consent(client, application, verifier_challenge=(verifier, challenge))["code"]
    client.logout()
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_assertion_type": JWT_BEARER_ASSERTION_TYPE,
    }

    without = client.post("/o/token/", {**exchange, "client_assertion": assertion("wrong-client")})
    assert without.status_code == 401
    response = client.post("/o/token/", {**exchange, "client_assertion": assertion(application.client_id)})

    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["id_token"]
    refreshed = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_assertion_type": JWT_BEARER_ASSERTION_TYPE,
            "client_assertion": assertion(application.client_id),
        },
    )
    assert refreshed.status_code == 200, refreshed.content


def test_introspection_and_revocation_accept_an_assertion(client, owner):
    application = make_client(owner)
    access_token = token_request(client, assertion(application.client_id)).json()["access_token"]

    introspected = client.post(
        "/o/introspect/",
        {
            "token": access_token,
            "client_assertion_type": JWT_BEARER_ASSERTION_TYPE,
            "client_assertion": assertion(application.client_id, aud="http://testserver/o/introspect/"),
        },
    )
    assert introspected.status_code == 200, introspected.content
    assert introspected.json()["active"] is True
    replayed = client.post(
        "/o/introspect/",
        {"token": access_token, "client_assertion_type": JWT_BEARER_ASSERTION_TYPE, "client_assertion": "x.y.z"},
    )
    assert replayed.status_code == 401

    revoked = client.post(
        "/o/revoke_token/",
        {
            "token": access_token,
            "client_assertion_type": JWT_BEARER_ASSERTION_TYPE,
            "client_assertion": assertion(application.client_id),
        },
    )
    assert revoked.status_code == 200, revoked.content
    assert not AccessToken.objects.exists()


def test_discovery_lists_private_key_jwt_and_its_algorithms(client):
    for address in ("/o/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/o"):
        document = client.get(address).json()
        assert set(document["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        }
        assert {"RS256", "PS256", "ES256", "EdDSA"} <= set(document["token_endpoint_auth_signing_alg_values_supported"])
        assert "none" not in document["token_endpoint_auth_signing_alg_values_supported"]
        assert not any(alg.startswith("HS") for alg in document["token_endpoint_auth_signing_alg_values_supported"])
        assert "private_key_jwt" in document["introspection_endpoint_auth_methods_supported"]
        assert "private_key_jwt" in document["revocation_endpoint_auth_methods_supported"]


def test_expired_used_assertions_are_purged(client, owner):
    application = make_client(owner)
    assert token_request(client, assertion(application.client_id)).status_code == 200
    assert used_client_assertions_purge() == 0

    UsedClientAssertion.objects.update(expires_at="2000-01-01T00:00:00Z")

    assert used_client_assertions_purge() == 1


# --- authlib, against the live server -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize(("key", "alg"), [(RSA_KEY, "RS256"), (ED_KEY, "EdDSA")], ids=["RS256", "EdDSA"])
def test_authlib_private_key_jwt_client_gets_a_token(live_server, owner, key, alg):
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT

    application = make_client(owner, key=key, kid="authlib-key")
    token_endpoint = f"{live_server.url}/o/token/"
    session = OAuth2Session(
        application.client_id, key, token_endpoint_auth_method="private_key_jwt", scope="catalogue:read"
    )
    session.register_client_auth_method(PrivateKeyJWT(token_endpoint, headers={"kid": "authlib-key"}, alg=alg))

    token = session.fetch_token(token_endpoint, grant_type="client_credentials")

    assert token["token_type"] == "Bearer"
    assert token["scope"] == "catalogue:read"
    catalogue = session.get(f"{live_server.url}/api/v1/me/")
    assert catalogue.status_code in (401, 403)  # a client-credentials token acts for no resident
    session.close()
