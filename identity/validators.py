"""Checksums of Chinese identity codes.

* GB 11643-1999: the 18-character citizen identity number.
* GB 32100-2015: the 18-character unified social credit code (USCC).

All return the normalised value (ASCII, upper case, no spaces) or raise
``ValidationError`` with a message a resident can act on. Full-width and other
scripts' digits are folded to ASCII first (``common.identifiers.ascii_identifier``)
and anything else outside ASCII is refused, so look-alike digits can never give
a second checksum-valid spelling, and so a second blind index, of one number.
The checksums themselves live in ``common.identifiers`` (the log masker uses them).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.identifiers import (
    ID_CHECK_CHARACTERS,
    ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    NonAsciiIdentifier,
    ascii_identifier,
    id_number_check_character,
    uscc_check_character,
)

__all__ = [
    "ID_CHECK_CHARACTERS",
    "ID_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "id_number_check_character",
    "is_valid_id_number",
    "is_valid_uscc",
    "normalize_id_number",
    "normalize_mobile",
    "normalize_uscc",
    "uscc_check_character",
]


def _ascii(value: str, message, code: str) -> str:
    try:
        return ascii_identifier(value or "")
    except NonAsciiIdentifier:
        raise ValidationError(message, code=code) from None


def normalize_id_number(value: str) -> str:
    """Validate a resident identity number and return it upper-cased.

    Lower-case ``x`` is accepted; 15-digit (first-generation) numbers are
    refused, as is a birth date that does not exist or lies in the future.
    """
    value = _ascii(value, _("居民身份证号码应为18位，前17位为数字，最后一位为数字或X。"), "id_number_format").upper()
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


def normalize_uscc(value: str) -> str:
    """Validate a unified social credit code (GB 32100-2015) and return it upper-cased.

    The letters I, O, Z, S and V are never used. Registration authorities
    A, N and Y are legal first characters (python-stdnum wrongly refuses them).
    """
    message = _("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。")
    value = _ascii(value, message, "uscc_format").upper()
    if len(value) != 18 or any(char not in USCC_ALPHABET for char in value):
        raise ValidationError(message, code="uscc_format")
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="uscc_checksum")
    return value


def is_valid_uscc(value: str) -> bool:
    try:
        normalize_uscc(value)
    except ValidationError:
        return False
    return True


def normalize_mobile(value: str) -> str:
    """A mainland mobile number: 11 digits starting 13-19; ``+86`` and spaces are dropped."""
    value = _ascii(value, _("请输入11位中国大陆手机号码。"), "mobile_format").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if len(value) != 11 or not value.isdigit() or value[0] != "1" or value[1] not in "3456789":
        raise ValidationError(_("请输入11位中国大陆手机号码。"), code="mobile_format")
    return value
