"""Issue 17's onboarding, end to end, as a partner engineer meets it: an enterprise applies, an
official approves two scopes, the partner registers a redirect URI and a public key in its space,
and its system signs a resident in with ``private_key_jwt`` and PKCE, using authlib unchanged
against a live server."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from joserfc.jwk import RSAKey

from identity.models import OAuthClientKey
from identity.tests.factories import EnterpriseFactory, UserFactory, login_with_totp
from partners.models import Partner, PartnerClient, PartnerEventAction

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://bank.example.cn/tongban/callback"


def _rsa_key_pair() -> tuple[bytes, dict]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_jwk = RSAKey.import_key(pem).as_dict(private=False)
    return pem, public_jwk


def test_an_enterprise_onboards_itself_and_signs_a_resident_in_with_private_key_jwt_and_pkce(live_server):
    enterprise = EnterpriseFactory(name="示例商业银行股份有限公司")
    representative = Client()
    representative.force_login(enterprise.legal_representative)

    # 1. The legal representative applies in the partner space.
    applied = representative.post(
        reverse("partners:apply"),
        {
            "enterprise": enterprise.pk,
            "purpose": "在网点为居民查询办件进度",
            "scopes": ["openid", "profile", "applications:read", "applications:write"],
            "contact_name": "王经理",
            "contact_mobile": "13900000002",
            "contact_email": "api@bank.example.cn",
        },
    )
    assert applied.status_code == 302
    partner = Partner.objects.get(enterprise=enterprise)
    # Production clients wait for approval.
    assert "production" not in representative.get(reverse("partners:client_create", args=[partner.pk])).content.decode()

    # 2. An official approves two of the four scopes.
    official = Client()
    login_with_totp(official, UserFactory(official=True, is_superuser=True))
    decided = official.post(
        reverse("admin:partners_partner_decide", args=[partner.pk]),
        {"decision": "approved", "approved_scopes": ["openid", "applications:read"]},
    )
    assert decided.status_code == 302

    # 3. The partner registers a production client, its redirect URI and its public key.
    created = representative.post(
        reverse("partners:client_create", args=[partner.pk]),
        {
            "name": "网点柜面系统",
            "environment": "production",
            "grant_type": "authorization-code",
            "auth_method": "private_key_jwt",
            "redirect_uris": "https://bank.example.cn/old-callback",
        },
    )
    assert created.status_code == 302, created.content.decode()
    client = PartnerClient.objects.select_related("application").get(partner=partner)
    application = client.application
    changed = representative.post(
        reverse("partners:client_redirect_uris", args=[partner.pk, client.pk]), {"redirect_uris": CALLBACK}
    )
    assert changed.status_code == 302
    pem, public_jwk = _rsa_key_pair()
    added = representative.post(
        reverse("partners:client_key_add", args=[partner.pk, client.pk]), {"public_jwk": json.dumps(public_jwk)}
    )
    assert added.status_code == 302
    key = OAuthClientKey.objects.get(application=application)
    page = representative.get(reverse("partners:client", args=[partner.pk, client.pk])).content.decode()
    assert application.client_id in page and key.kid in page
    # A private key is refused, and says so.
    private_jwk = RSAKey.import_key(pem).as_dict(private=True)
    refused = representative.post(
        reverse("partners:client_key_add", args=[partner.pk, client.pk]), {"public_jwk": json.dumps(private_jwk)}
    )
    assert refused.status_code == 400
    assert OAuthClientKey.objects.filter(application=application).count() == 1

    # 4. The partner's system signs a resident in: authlib, PKCE S256, private_key_jwt.
    resident = UserFactory(verified=True)
    token_endpoint = f"{live_server.url}/o/token/"
    session = OAuth2Session(
        application.client_id,
        pem.decode(),
        token_endpoint_auth_method=PrivateKeyJWT(token_endpoint, alg="RS256", headers={"kid": key.kid}),
        redirect_uri=CALLBACK,
        scope="openid applications:read",
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    url, state = session.create_authorization_url(f"{live_server.url}/o/authorize/", code_verifier=verifier)
    assert "code_challenge_method=S256" in url

    browser = Client()  # the resident's browser
    browser.force_login(resident)
    parts = urlsplit(url)
    consent = browser.get(f"{parts.path}?{parts.query}")
    assert consent.status_code == 200
    answer = {k: v for k, v in consent.context["form"].initial.items() if v is not None}
    back = browser.post("/o/authorize/", {**answer, "allow": "on"})
    assert back.status_code == 302 and back["Location"].startswith(CALLBACK + "?")
    assert parse_qs(urlsplit(back["Location"]).query)["state"] == [state]

    token = session.fetch_token(token_endpoint, authorization_response=back["Location"], code_verifier=verifier)
    assert set(token["scope"].split()) == {"openid", "applications:read"}
    # The ID token verifies with PyJWT and the published keys, as the guide shows.
    keys = jwt.PyJWKClient(f"{live_server.url}/o/.well-known/jwks.json")
    claims = jwt.decode(
        token["id_token"],
        keys.get_signing_key_from_jwt(token["id_token"]).key,
        algorithms=["RS256"],
        audience=application.client_id,
        issuer=f"{live_server.url}/o",
    )
    assert claims["sub"] and "name" not in claims  # pairwise subject; no profile scope approved
    listing = session.get(f"{live_server.url}/api/v1/applications/")
    assert listing.status_code == 200, listing.text
    # A scope the official did not approve is not available to the client.
    assert session.get(f"{live_server.url}/api/v1/me/").status_code == 403

    # Every step is on the partner's record, without secrets or keys.
    actions = set(partner.events.values_list("action", flat=True))
    assert {
        PartnerEventAction.APPLIED,
        PartnerEventAction.APPROVED,
        PartnerEventAction.CLIENT_CREATED,
        PartnerEventAction.REDIRECT_URIS_CHANGED,
        PartnerEventAction.KEY_ADDED,
    } <= actions
    summaries = " ".join(partner.events.values_list("summary", flat=True))
    assert not re.search(r"PRIVATE KEY|\"d\"", summaries)
