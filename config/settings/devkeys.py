"""Development OIDC signing keys for local and test settings only.

Production never calls this: config/settings/production.py refuses to start
without a real ``OIDC_RSA_PRIVATE_KEY``.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()


def development_rsa_key(path: Path | None = None) -> str:
    """An RSA private key as PEM: read from ``path`` if it exists, otherwise
    generated (and written to ``path``, readable by the owner only, if given)."""
    if path is None:
        return _new_rsa_pem()
    if path.exists():
        return path.read_text()
    pem = _new_rsa_pem()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(pem)
    return pem
