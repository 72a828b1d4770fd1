import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from common.exceptions import ApplicationError
from identity.models import EidSigningKey, EidToken, EidVerification
from identity.services.eid import (
    eid_token_issue,
    eid_token_verify,
    eid_tokens_revoke_all,
    published_keys,
    signing_key_rotate,
)

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return UserFactory(verified=True)


def _claims(compact: str) -> dict:
    payload = compact.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_token_is_an_eddsa_ed25519_jws_valid_sixty_seconds_naming_nobody(resident):
    compact, token = eid_token_issue(user=resident)

    claims = _claims(compact)
    assert set(claims) == {"iss", "jti", "iat", "exp"}
    assert claims["exp"] - claims["iat"] == 60
    assert resident.real_name not in json.dumps(claims, ensure_ascii=False)
    # Anyone can check the signature with the published keys.
    jwk = next(key for key in published_keys()["keys"] if key["kid"] == token.kid)
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    verified = jws.deserialize_compact(compact, OKPKey.import_key(jwk), algorithms=["EdDSA"])
    assert json.loads(verified.payload)["jti"] == str(token.jti)


def test_unverified_resident_gets_no_token():
    with pytest.raises(ApplicationError) as refused:
        eid_token_issue(user=UserFactory())
    assert refused.value.code == "not_verified"


def test_partner_receives_name_and_masked_id_only_and_it_is_logged(resident):
    compact, _token = eid_token_issue(user=resident)

    result = eid_token_verify(compact=compact, partner="如家酒店", partner_client_id="hotel-1", purpose="酒店入住")

    assert result.fields == {"name": resident.real_name, "id_number_masked": resident.id_number_masked}
    assert resident.id_number_masked.count("*") == 10
    log = EidVerification.objects.get(user=resident)
    assert (log.partner, log.purpose, log.released_fields) == ("如家酒店", "酒店入住", ["name", "id_number_masked"])


def test_replayed_token_is_refused(resident):
    compact, _token = eid_token_issue(user=resident)
    eid_token_verify(compact=compact, partner="如家酒店")
    with pytest.raises(ApplicationError) as refused:
        eid_token_verify(compact=compact, partner="另一家酒店")
    assert refused.value.code == "eid_invalid"
    assert EidVerification.objects.count() == 1


def test_expired_token_is_refused(resident):
    compact, token = eid_token_issue(user=resident)
    EidToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError):
        eid_token_verify(compact=compact, partner="如家酒店")
    assert not EidVerification.objects.exists()


def test_revoked_tokens_are_refused(resident):
    first, _ = eid_token_issue(user=resident)
    second, _ = eid_token_issue(user=resident)
    assert eid_tokens_revoke_all(user=resident) == 2
    for compact in (first, second):
        with pytest.raises(ApplicationError):
            eid_token_verify(compact=compact, partner="如家酒店")


def test_tampered_or_foreign_tokens_are_refused(resident):
    compact, token = eid_token_issue(user=resident)
    header, _payload, signature = compact.split(".")
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps({**_claims(compact), "exp": _claims(compact)["exp"] + 3600}).encode())
        .rstrip(b"=")
        .decode()
    )
    foreign_key = OKPKey.generate_key("Ed25519", parameters={"kid": token.kid})
    foreign = jws.serialize_compact(
        {"alg": "EdDSA", "kid": token.kid, "typ": "tongban-eid+jws"},
        json.dumps(_claims(compact)),
        foreign_key,
        algorithms=["EdDSA"],
    )
    for bad in (f"{header}.{forged_payload}.{signature}", foreign, "not-a-token", ""):
        with pytest.raises(ApplicationError):
            eid_token_verify(compact=bad, partner="如家酒店")
    # The genuine token is still good: failed probes do not consume it.
    assert eid_token_verify(compact=compact, partner="如家酒店").fields["name"] == resident.real_name


def test_rotated_key_keeps_verifying_tokens_it_signed(resident):
    compact, token = eid_token_issue(user=resident)
    new_key = signing_key_rotate()

    assert new_key.kid != token.kid
    kids = [key["kid"] for key in published_keys()["keys"]]
    assert token.kid in kids and new_key.kid in kids
    assert eid_token_verify(compact=compact, partner="如家酒店").fields["name"] == resident.real_name
    _next_compact, next_token = eid_token_issue(user=resident)
    assert next_token.kid == new_key.kid


def test_long_retired_keys_leave_the_jwks(resident):
    _compact, token = eid_token_issue(user=resident)
    signing_key_rotate()
    EidSigningKey.objects.filter(kid=token.kid).update(retired_at=timezone.now() - timedelta(hours=1))
    assert token.kid not in [key["kid"] for key in published_keys()["keys"]]


def test_jwks_endpoint_publishes_public_keys_only(client, resident):
    eid_token_issue(user=resident)
    keys = client.get("/api/v1/eid/jwks.json").json()["keys"]
    assert keys and all("d" not in key for key in keys)
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"


# --- Partners verify the token with off-the-shelf JOSE libraries, at their defaults ---


def _jwks(client) -> dict:
    response = client.get("/api/v1/eid/jwks.json")
    assert response.status_code == 200
    return response.json()


def test_pyjwt_verifies_the_token_against_the_published_jwks(client, resident):
    import jwt as pyjwt

    compact, token = eid_token_issue(user=resident)
    jwk_set = pyjwt.PyJWKSet.from_dict(_jwks(client))
    kid = pyjwt.get_unverified_header(compact)["kid"]
    key = next(key for key in jwk_set.keys if key.key_id == kid)

    claims = pyjwt.decode(compact, key=key, algorithms=["EdDSA"], issuer="tongban")

    assert claims["jti"] == str(token.jti)
    assert pyjwt.get_unverified_header(compact)["typ"] == "tongban-eid+jws"


def test_authlib_verifies_the_token_against_the_published_jwks(client, resident):
    from authlib.jose import JsonWebKey, JsonWebToken

    compact, token = eid_token_issue(user=resident)
    keys = JsonWebKey.import_key_set(_jwks(client))

    claims = JsonWebToken(["EdDSA"]).decode(
        compact, keys, claims_options={"iss": {"essential": True, "value": "tongban"}}
    )
    claims.validate()

    assert claims["jti"] == str(token.jti)


def test_jwcrypto_verifies_the_token_against_the_published_jwks(client, resident):
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jwt as jwcrypto_jwt

    compact, token = eid_token_issue(user=resident)
    keys = jwcrypto_jwk.JWKSet.from_json(json.dumps(_jwks(client)))

    verified = jwcrypto_jwt.JWT(jwt=compact, key=keys, check_claims={"iss": "tongban", "exp": None})

    assert json.loads(verified.claims)["jti"] == str(token.jti)


def test_keys_made_before_the_switch_to_eddsa_are_published_and_used_as_eddsa(client, resident):
    import jwt as pyjwt

    key = signing_key_rotate()
    old_style = {**key.public_jwk, "alg": "Ed25519"}
    private = {**json.loads(key.private_key), "alg": "Ed25519"}
    EidSigningKey.objects.filter(pk=key.pk).update(public_jwk=old_style, private_key=json.dumps(private))
    compact, _token = eid_token_issue(user=resident)

    published = next(jwk for jwk in _jwks(client)["keys"] if jwk["kid"] == key.kid)
    assert published["alg"] == "EdDSA"
    assert pyjwt.get_unverified_header(compact)["alg"] == "EdDSA"
    assert pyjwt.decode(compact, key=pyjwt.PyJWK(published), algorithms=["EdDSA"], issuer="tongban")
    assert eid_token_verify(compact=compact, partner="如家酒店").fields["name"] == resident.real_name


def test_eid_page_mints_no_token_on_get_and_shows_a_qr_code_after_a_post(client, resident):
    client.force_login(resident)
    response = client.get("/account/eid/")
    assert response.status_code == 200
    html = response.content.decode()
    assert resident.id_number_masked in html
    assert resident.id_number not in html
    assert "<svg" not in html
    assert '<form method="post" action="/account/eid/"' in html  # works without JavaScript
    assert not EidToken.objects.exists()

    shown = client.post("/account/eid/")
    assert shown.status_code == 200
    assert "<svg" in shown.content.decode()
    assert EidToken.objects.filter(user=resident).count() == 1


def test_the_pages_script_gets_tokens_by_post_only(client, resident):
    client.force_login(resident)
    assert client.get("/account/eid/token/").status_code == 405
    assert not EidToken.objects.exists()
    response = client.post("/account/eid/token/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["svg"].startswith("<svg")
    assert EidToken.objects.filter(user=resident).count() == 1


def test_eid_page_sends_unverified_residents_to_verification(client):
    client.force_login(UserFactory())
    response = client.get("/account/eid/")
    assert response.status_code == 302
    assert response["Location"] == "/account/verify/"


# --- The partner API, with real OAuth2 tokens ---------------------------------------


def _partner_token(client, *scopes: str, name: str = "如家酒店") -> str:
    from .oauth_helpers import client_credentials_token, make_backend_application

    application = make_backend_application(scopes=list(scopes))
    application.name = name
    application.save(update_fields=["name"])
    response = client_credentials_token(client, application, scope=" ".join(scopes))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_partner_with_eid_verify_scope_verifies_a_token_once(client, resident):
    access_token = _partner_token(client, "eid:verify")
    compact, _token = eid_token_issue(user=resident)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {access_token}"}

    first = client.post(
        "/api/v1/eid/verify/", {"token": compact, "purpose": "酒店入住"}, content_type="application/json", **headers
    )
    replay = client.post("/api/v1/eid/verify/", {"token": compact}, content_type="application/json", **headers)

    assert first.status_code == 200
    body = first.json()
    assert body["name"] == resident.real_name and body["id_number_masked"] == resident.id_number_masked
    assert resident.id_number not in first.content.decode()
    assert replay.status_code == 400
    assert replay["Content-Type"] == "application/problem+json"
    assert replay.json()["code"] == "eid_invalid"
    log = EidVerification.objects.get(user=resident)
    assert log.partner == "如家酒店" and log.purpose == "酒店入住"


def test_a_get_with_a_token_on_the_post_only_verify_endpoint_is_405_not_500(client, resident):
    access_token = _partner_token(client, "eid:verify")

    response = client.get("/api/v1/eid/verify/", HTTP_AUTHORIZATION=f"Bearer {access_token}")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_a_token_without_eid_verify_scope_is_refused(client, resident):
    access_token = _partner_token(client, "catalogue:read")
    compact, token = eid_token_issue(user=resident)

    response = client.post(
        "/api/v1/eid/verify/",
        {"token": compact},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )

    assert response.status_code == 403
    token.refresh_from_db()
    assert token.used_at is None  # a refused partner consumes nothing


def test_a_resident_session_cannot_call_the_partner_api(client, resident):
    compact, _token = eid_token_issue(user=resident)
    client.force_login(UserFactory())
    response = client.post("/api/v1/eid/verify/", {"token": compact}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_the_detail_scope_also_releases_the_assurance_level(client, resident):
    access_token = _partner_token(client, "eid:verify", "eid:verify:detail", name="某银行")
    compact, _token = eid_token_issue(user=resident)

    response = client.post(
        "/api/v1/eid/verify/",
        {"token": compact},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["assurance_level"] == 2 and body["verified_at"]
    assert EidVerification.objects.get(user=resident).released_fields == [
        "name",
        "id_number_masked",
        "assurance_level",
        "verified_at",
    ]


def test_the_hourly_task_publishes_a_key_before_any_token_and_rotates_an_old_one(settings):
    from datetime import timedelta

    from django.utils import timezone

    from identity.models import EidSigningKey
    from identity.tasks import keep_eid_signing_key

    assert published_keys()["keys"] == []  # a fresh deployment
    kid = keep_eid_signing_key()
    assert [key["kid"] for key in published_keys()["keys"]] == [kid]
    assert keep_eid_signing_key() == kid  # idempotent
    assert "identity.keep_eid_signing_key" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    EidSigningKey.objects.filter(kid=kid).update(
        created_at=timezone.now() - timedelta(days=settings.EID_KEY_ROTATION_DAYS + 1)
    )
    rotated = keep_eid_signing_key()
    assert rotated != kid
    assert {key["kid"] for key in published_keys()["keys"]} == {kid, rotated}  # the old one still verifies
