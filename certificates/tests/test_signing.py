"""Signatures over the canonical content, key rotation, the JWKS, and what verification answers."""

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.urls import reverse

from certificates.constants import CertificateStatus, Outcome
from certificates.models import SigningKey
from certificates.signing import b64url, b64url_decode, canonical_json, certificate_payload, signing_key_rotate
from certificates.verification import verify_signed_content, verify_token

from . import factories

pytestmark = pytest.mark.django_db


def test_a_fresh_certificate_verifies_as_valid_with_only_public_fields():
    certificate = factories.certificate()
    result = verify_token(certificate.token)
    assert result.outcome == Outcome.VALID
    shown = {row["key"] for row in result.public["fields"]}
    assert shown == {"name", "issuing_office"}
    assert "广州市天河区体育西路1号" not in str(result.as_dict())


@pytest.mark.parametrize("field", ["name", "address", "issuing_office", "id_number"])
def test_any_changed_field_fails_the_signature(field):
    certificate = factories.certificate()
    certificate.fields = {**certificate.fields, field: certificate.fields[field] + "改"}
    certificate.save(update_fields=["fields"])
    assert verify_token(certificate.token).outcome == Outcome.TAMPERED


def test_changed_content_carried_by_a_document_fails_the_signature():
    certificate = factories.certificate()
    payload = certificate_payload(certificate)
    assert verify_signed_content(payload=payload, kid=certificate.kid, signature=certificate.signature).outcome == (
        Outcome.VALID
    )
    changed = {**payload, "valid_until": "2099-12-31"}
    result = verify_signed_content(payload=changed, kid=certificate.kid, signature=certificate.signature)
    assert result.outcome == Outcome.TAMPERED


def test_a_signature_by_a_key_we_do_not_know_answers_unknown_key():
    certificate = factories.certificate()
    stranger = Ed25519PrivateKey.generate()
    signature = b64url(stranger.sign(canonical_json(certificate_payload(certificate))))
    assert verify_token(f"{certificate.number}.not-our-kid.{signature}").outcome == Outcome.UNKNOWN_KEY


def test_a_made_up_signature_under_our_key_id_is_forged():
    certificate = factories.certificate()
    forged = b64url(Ed25519PrivateKey.generate().sign(canonical_json(certificate_payload(certificate))))
    assert verify_token(f"{certificate.number}.{certificate.kid}.{forged}").outcome == Outcome.FORGED
    assert verify_token("garbage").outcome == Outcome.FORGED
    assert verify_token(f"NO-SUCH.{certificate.kid}.{certificate.signature}").outcome == Outcome.UNKNOWN


def test_a_revoked_certificate_verifies_as_revoked():
    certificate = factories.certificate()
    certificate.status = CertificateStatus.REVOKED
    certificate.save(update_fields=["status"])
    assert verify_token(certificate.token).outcome == Outcome.REVOKED


def test_an_expired_certificate_verifies_as_expired():
    certificate = factories.certificate(issued_on=datetime.date(2020, 1, 1))
    assert certificate.valid_until == datetime.date(2020, 12, 31)
    assert verify_token(certificate.token).outcome == Outcome.EXPIRED


def test_key_rotation_keeps_old_certificates_valid():
    old = factories.certificate()
    new_key = signing_key_rotate()
    new = factories.certificate(ctype=old.type)
    assert new.kid == new_key.kid != old.kid
    assert SigningKey.objects.get(kid=old.kid).retired_at is not None
    assert verify_token(old.token).outcome == Outcome.VALID
    assert verify_token(new.token).outcome == Outcome.VALID


def test_the_jwks_publishes_retired_keys_and_they_verify_the_signature(client):
    old = factories.certificate()
    signing_key_rotate()
    response = client.get(reverse("v1:certificates-jwks"))
    assert response.status_code == 200
    keys = {key["kid"]: key for key in response.json()["keys"]}
    assert len(keys) == 2
    published = keys[old.kid]
    assert (published["kty"], published["crv"], published["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in published
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(published["x"]))
    public.verify(b64url_decode(old.signature), canonical_json(certificate_payload(old)))
