"""Detached Ed25519 signatures over a canonical JSON form of a certificate's content.

The signed payload (:func:`certificate_payload`) holds everything the
certificate asserts. It is serialised canonically (:func:`canonical_json`:
keys sorted, no spaces, UTF-8), signed with the current key, and the
signature is stored with the key id (``kid``). Anyone can verify it with the
public keys published as a JWKS (``/api/v1/certificates/jwks.json``): every key
ever used stays there, so rotation never invalidates an older certificate.
"""

import base64
import json
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from .models import SigningKey

PAYLOAD_VERSION = 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(payload: dict) -> bytes:
    """The bytes that are signed: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def certificate_payload(certificate) -> dict:
    """What a certificate asserts, as signed. Status is not signed: it changes (revocation)."""
    return {
        "v": PAYLOAD_VERSION,
        "number": certificate.number,
        "type": certificate.type.code,
        "type_name": certificate.type.name,
        "holder": certificate.holder_name,
        "holder_id": certificate.holder_identifier,
        "fields": certificate.fields,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "issuer": certificate.department_name,
        "case": certificate.issuing_case_number,
    }


def signing_key_create() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey.objects.create(
        kid=uuid.uuid4().hex, private_key=b64url(raw_private), public_key=b64url(raw_public)
    )


def signing_key_rotate() -> SigningKey:
    """Retire the signing key and create a new one; retired keys still verify."""
    with transaction.atomic():
        SigningKey.objects.select_for_update().filter(retired_at__isnull=True).update(retired_at=timezone.now())
        return signing_key_create()


def current_signing_key() -> SigningKey:
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().filter(retired_at__isnull=True).order_by("-created_at").first()
        return key or signing_key_create()


def sign(payload: dict) -> tuple[str, str]:
    """``(kid, signature)`` for ``payload`` with the current key."""
    key = current_signing_key()
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(key.private_key))
    return key.kid, b64url(private.sign(canonical_json(payload)))


class UnknownKey(Exception):
    pass


def signature_valid(payload: dict, *, kid: str, signature: str) -> bool:
    """Whether ``signature`` by key ``kid`` covers ``payload``; raises :class:`UnknownKey` for a key we never had."""
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        raise UnknownKey(kid)
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(key.public_key))
    try:
        public.verify(b64url_decode(signature), canonical_json(payload))
    except (InvalidSignature, ValueError):
        return False
    return True


def published_keys() -> dict:
    """The JWKS (RFC 7517, OKP keys per RFC 8037): every key that ever signed a certificate."""
    return {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key.kid, "x": key.public_key}
            for key in SigningKey.objects.order_by("-created_at")
        ]
    }
