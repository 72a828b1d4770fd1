"""Masking of personal data in free text: resident ID numbers, mobile numbers
and bank card numbers.

Used by the log formatter so that no log line ever carries these in full, and
by display helpers. Masks keep only what staff need to tell records apart.
"""

import re

# 18-character resident ID (GB 11643): 17 digits and a digit or X check char.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
# Bank card numbers: 16 to 19 digits, optionally grouped by spaces or dashes.
_BANK_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,15}(\d{4})(?![\d])")
# Mainland mobile numbers: 11 digits starting 13x-19x, optionally after +86.
_MOBILE = re.compile(r"(?<![\d])((?:\+?86[ -]?)?1[3-9]\d)\d{4}(\d{4})(?![\d])")


def mask_id_number(value: str) -> str:
    """``440106199001011234`` → ``4401**********1234``."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", value)


def mask_mobile(value: str) -> str:
    """``13800138000`` → ``138****8000``."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", value)


def mask_bank_card(value: str) -> str:
    """``6222021234567890123`` → ``***************0123``."""

    def replace(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "*" * (len(digits) - 4) + match.group(1)

    return _BANK_CARD.sub(replace, value)


def mask_personal_data(value: str) -> str:
    """Mask every ID number, bank card and mobile number in ``value``.

    ID numbers go first: an 18-digit ID would otherwise look like a card number.
    """
    return mask_mobile(mask_bank_card(mask_id_number(value)))
