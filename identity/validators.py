"""Checksums of Chinese identity codes.

* GB 11643-1999: the 18-character citizen identity number.
* GB 32100-2015: the 18-character unified social credit code (USCC).

Both return the normalised value (upper case, no spaces) or raise
``ValidationError`` with a message a resident can act on.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_number_check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def normalize_id_number(value: str) -> str:
    """Validate a resident identity number and return it upper-cased.

    Lower-case ``x`` is accepted; 15-digit (first-generation) numbers are
    refused, as is a birth date that does not exist or lies in the future.
    """
    value = (value or "").strip().replace(" ", "").upper()
    if len(value) == 15 and value.isdigit():
        raise ValidationError(_("请使用18位居民身份证号码，15位旧号码已停止使用。"), code="id_number_legacy")
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("居民身份证号码应为18位，前17位为数字，最后一位为数字或X。"), code="id_number_format")
    try:
        birth_date = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("居民身份证号码中的出生日期无效。"), code="id_number_birth_date") from None
    # A timezone-free calendar date comparison is what is meant here.
    if birth_date.year < 1900 or birth_date > datetime.date.today():  # noqa: DTZ011
        raise ValidationError(_("居民身份证号码中的出生日期无效。"), code="id_number_birth_date")
    if id_number_check_character(value[:17]) != value[17]:
        raise ValidationError(_("居民身份证号码校验位不正确，请核对后重新输入。"), code="id_number_checksum")
    return value


def is_valid_id_number(value: str) -> bool:
    try:
        normalize_id_number(value)
    except ValidationError:
        return False
    return True


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Validate a unified social credit code (GB 32100-2015) and return it upper-cased.

    The letters I, O, Z, S and V are never used. Registration authorities
    A, N and Y are legal first characters (python-stdnum wrongly refuses them).
    """
    value = (value or "").strip().replace(" ", "").upper()
    if len(value) != 18 or any(char not in USCC_ALPHABET for char in value):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。"), code="uscc_format")
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="uscc_checksum")
    return value


def is_valid_uscc(value: str) -> bool:
    try:
        normalize_uscc(value)
    except ValidationError:
        return False
    return True
