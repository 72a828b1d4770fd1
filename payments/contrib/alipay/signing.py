"""Alipay's RSA2 signature: SHA256withRSA (:mod:`payments.signing`) over the sorted ``k=v&…`` string.

For a request, every parameter but ``sign`` is signed; for an asynchronous
notification, ``sign`` and ``sign_type`` are dropped before sorting. Empty
values are left out, as Alipay does.
"""

from cryptography.hazmat.primitives.asymmetric import rsa

from ...signing import sign_sha256_rsa, verify_sha256_rsa


def signing_string(params: dict, *, drop: tuple[str, ...] = ("sign",)) -> str:
    keys = [key for key in sorted(params) if key not in drop and params[key] not in ("", None)]
    return "&".join(f"{key}={params[key]}" for key in keys)


def sign(message: str, private_key: rsa.RSAPrivateKey) -> str:
    return sign_sha256_rsa(message.encode(), private_key)


def verify(message: str, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    return verify_sha256_rsa(message.encode(), signature, public_key)


def sign_params(params: dict, private_key: rsa.RSAPrivateKey) -> dict:
    return {**params, "sign": sign(signing_string(params), private_key)}


def verify_notification(params: dict, public_key: rsa.RSAPublicKey) -> bool:
    signature = params.get("sign") or ""
    return bool(signature) and verify(signing_string(params, drop=("sign", "sign_type")), signature, public_key)
