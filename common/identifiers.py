"""Checksums and normalisation of the identifiers personal data is made of.

* GB 11643-1999: the 18-character citizen identity number;
* GB 32100-2015: the 18-character unified social credit code (USCC);
* ISO/IEC 7812 (Luhn): bank card numbers.

Pure functions, no Django: ``common.masking`` uses them to mask only real
identifiers, and ``identity.validators`` builds its form validation on them.

:func:`ascii_identifier` is the first step for any identifier typed by a
person: full-width ``１１０１…`` or Arabic-Indic ``١١٠١…`` digits are folded to
ASCII (NFKC, then Unicode decimal digits), so the same number always gives the
same checksum and the same blind index; anything still outside ASCII is refused.
"""

import unicodedata

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Spaces of every kind (after NFKC an ideographic space is already " ").
_SPACES = {" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u200b", "\ufeff"}


class NonAsciiIdentifier(ValueError):
    """The identifier still holds characters outside ASCII after normalisation."""


def fold_digits(value: str) -> str:
    """``value`` in NFKC with every Unicode decimal digit as its ASCII digit;
    nothing removed or refused. ``"１２٣"`` → ``"123"``."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(
        str(unicodedata.decimal(char)) if not char.isascii() and unicodedata.decimal(char, None) is not None else char
        for char in text
    )


def ascii_identifier(value: str) -> str:
    """``value`` in NFKC with every Unicode decimal digit as its ASCII digit and
    spaces removed. Raises :class:`NonAsciiIdentifier` if anything non-ASCII is left.

    ``"１１０１０５ １９４９"`` → ``"1101051949"``; ``"١٢٣"`` → ``"123"``.
    """
    result = "".join(char for char in fold_digits(value) if char not in _SPACES and not char.isspace())
    if not result.isascii():
        raise NonAsciiIdentifier("identifier holds characters outside ASCII")
    return result


def _ascii_digits(value: str) -> bool:
    """True if ``value`` is non-empty and made of ASCII 0-9 only (``str.isdigit``
    is also true for full-width and other scripts' digits)."""
    return value.isascii() and value.isdigit()


def id_number_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def id_number_checksum_ok(value: str) -> bool:
    """18 ASCII characters, 17 digits and a valid check character (``x`` accepted)."""
    if len(value) != 18 or not _ascii_digits(value[:17]):
        return False
    return id_number_check_character(value[:17]) == value[17].upper()


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters (all in the alphabet)."""
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check of a string of ASCII digits."""
    if not _ascii_digits(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
