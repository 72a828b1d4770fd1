"""Encryption at rest and blind indexes for personal data.

ID numbers and USCC codes are stored encrypted (Fernet: AES-128-CBC with
HMAC-SHA256) and found through a keyed HMAC "blind index", so equality lookups
work without the database ever holding the plaintext.

Keys come from the environment:

* ``FIELD_ENCRYPTION_KEYS``: comma-separated Fernet keys, newest first. Data is
  encrypted with the first and decrypted with any, so keys rotate by
  prepending a new one and re-saving rows (``MultiFernet.rotate``).
* ``BLIND_INDEX_KEY``: the HMAC key. It cannot rotate without recomputing every
  index, so keep it stable and secret.

Local and test settings derive both from SECRET_KEY; production refuses to
start without explicit keys.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from .identifiers import fold_digits


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key derived from ``secret`` for one ``purpose`` (dev/test only)."""
    return hashlib.sha256(f"tongban:{purpose}:{secret}".encode()).digest()


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def field_cipher() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return field_cipher().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return field_cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Cannot decrypt: unknown key or corrupted value") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, hex. ``purpose`` separates the
    index spaces of different fields (an ID number and a USCC never collide).

    Callers normalise first (``identity.validators``). As a second line, the
    value is folded here too (NFKC, every script's digits as ASCII), so a
    full-width or Arabic-Indic spelling of a number can never get an index of
    its own. ASCII values are unchanged by the fold, so existing indexes stay valid.
    """
    value = fold_digits(value)
    key = base64.urlsafe_b64decode(settings.BLIND_INDEX_KEY)
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column that holds a Fernet token; Python code sees the plaintext.

    Lookups other than ``isnull`` make no sense on ciphertext: query the paired
    blind-index column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)
