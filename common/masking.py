"""Masking of personal data in free text: resident ID numbers, mobile numbers
and bank card numbers.

Used by the log formatter so that no log line ever carries these in full, and
by display helpers. Masks keep only what staff need to tell records apart.

Only real identifiers are masked, so that logs stay readable: an 18-character
run is an ID number only if its GB 11643 check character is right, a 13-19
digit run is a card only if it passes the Luhn check, and digits after a
decimal point (``0.123456789018822s``) are never either. Only ASCII digits are
matched: identifiers are normalised to ASCII before they are stored or logged
(``common.identifiers.ascii_identifier``).
"""

import re

from .identifiers import id_number_checksum_ok, luhn_ok

# Not inside a longer alphanumeric token, not the fraction of a decimal number.
_START = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_END = r"(?![0-9A-Za-z])"

# 18-character resident ID (GB 11643): 17 digits and a digit or X check character.
_ID_NUMBER = re.compile(_START + r"([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])" + _END)
# Bank card numbers: 13 to 19 digits, or groups of four split by spaces or dashes.
_BANK_CARD = re.compile(_START + r"(?:[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,3})?|[0-9]{13,19})" + _END)
# Mainland mobile numbers: 11 digits starting 13x-19x, optionally after +86,
# not part of a longer run of digits.
_MOBILE = re.compile(r"(?<![0-9])(?<![0-9]\.)((?:\+?86[ -]?)?1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def mask_id_number(value: str) -> str:
    """``11010519491231002X`` → ``1101**********002X``; checksum-invalid runs stay."""

    def replace(match: re.Match) -> str:
        if not id_number_checksum_ok(match.group(0)):
            return match.group(0)
        return f"{match.group(1)}{'*' * 10}{match.group(2)}"

    return _ID_NUMBER.sub(replace, value)


def mask_mobile(value: str) -> str:
    """``13800138000`` → ``138****8000``."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", value)


def mask_bank_card(value: str) -> str:
    """``6222021234567890128`` → ``***************0128``; Luhn-invalid runs stay."""

    def replace(match: re.Match) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
            return match.group(0)
        return "*" * (len(digits) - 4) + digits[-4:]

    return _BANK_CARD.sub(replace, value)


def mask_personal_data(value: str) -> str:
    """Mask every ID number, bank card and mobile number in ``value``.

    ID numbers go first: an 18-digit ID would otherwise look like a card number.
    """
    return mask_mobile(mask_bank_card(mask_id_number(value)))
