"""SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256), base64 on the wire.

All three gateways sign this way: Alipay (``RSA2``), WeChat Pay v3
(``WECHATPAY2-SHA256-RSA2048``) and UnionPay (``signMethod`` 01), and so does the
sandbox with its test keys. Each gateway builds the message it signs itself (Alipay's
sorted ``k=v&…`` string, WeChat Pay's ``METHOD\\nURL\\n…`` lines, UnionPay's hex digest);
this module only signs and verifies bytes.

Keys are PEM files named by the settings. A file is parsed once and parsed again only
when it changes on disk (its modification time), so a replaced key file still takes
effect without a restart.
"""

import base64
import binascii
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@lru_cache(maxsize=32)
def _private_key(path: str, mtime_ns: int) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


@lru_cache(maxsize=32)
def _public_key(path: str, mtime_ns: int) -> rsa.RSAPublicKey:
    return serialization.load_pem_public_key(Path(path).read_bytes())


def load_private_key(path: str | os.PathLike) -> rsa.RSAPrivateKey:
    """The private key in the PEM file at ``path`` (unencrypted), cached until the file changes."""
    return _private_key(str(path), os.stat(path).st_mtime_ns)


def load_public_key(path: str | os.PathLike) -> rsa.RSAPublicKey:
    """The public key in the PEM file at ``path``, cached until the file changes."""
    return _public_key(str(path), os.stat(path).st_mtime_ns)


def sign_sha256_rsa(message: bytes, key: rsa.RSAPrivateKey) -> str:
    """The base64 SHA256withRSA signature of ``message``."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_sha256_rsa(message: bytes, signature: str, key: rsa.RSAPublicKey) -> bool:
    """Whether ``signature`` (base64, strictly decoded) is ``key``'s SHA256withRSA signature of ``message``."""
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
