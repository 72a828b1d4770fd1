"""Alipay's RSA2 signature: SHA256withRSA over the sorted ``k=v&…`` string.

For a request, every parameter but ``sign`` is signed; for an asynchronous
notification, ``sign`` and ``sign_type`` are dropped before sorting. Empty
values are left out, as Alipay does.
"""

import base64
import binascii
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def signing_string(params: dict, *, drop: tuple[str, ...] = ("sign",)) -> str:
    keys = [key for key in sorted(params) if key not in drop and params[key] not in ("", None)]
    return "&".join(f"{key}={params[key]}" for key in keys)


@lru_cache(maxsize=16)
def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem, password=None)


@lru_cache(maxsize=16)
def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    return serialization.load_pem_public_key(pem)


def sign(message: str, private_key_pem: bytes) -> str:
    signature = load_private_key(private_key_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(message: str, signature: str, public_key_pem: bytes) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        load_public_key(public_key_pem).verify(raw, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def sign_params(params: dict, private_key_pem: bytes) -> dict:
    return {**params, "sign": sign(signing_string(params), private_key_pem)}


def verify_notification(params: dict, public_key_pem: bytes) -> bool:
    signature = params.get("sign") or ""
    return bool(signature) and verify(signing_string(params, drop=("sign", "sign_type")), signature, public_key_pem)
