"""Personal data handling: encrypt, index, mask and (rarely) reveal.

The plaintext of an ID number or USCC lives only in the encrypted column.
Screens, the admin, logs and API answers use the masked form; the digest
serves equality lookups. Revealing in full needs the ``reveal_personal_data``
permission and writes a :class:`~identity.models.PersonalDataAccess` row.
"""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.context import current_client_ip
from common.crypto import blind_index
from common.exceptions import ApplicationError

from .constants import PersonalDataField
from .models import PersonalDataAccess
from .validators import normalize_id_number, normalize_uscc

ID_NUMBER_INDEX = "id_number"
USCC_INDEX = "uscc"


def mask_id_number(value: str) -> str:
    """``440106199001011234`` → ``4401**********1234``."""
    return f"{value[:4]}{'*' * 10}{value[-4:]}" if value else ""


def mask_uscc(value: str) -> str:
    """``91110000600037341L`` → ``9111**********341L``."""
    return f"{value[:4]}{'*' * 10}{value[-4:]}" if value else ""


def mask_bank_account(value: str) -> str:
    """``6222021234567890128`` → ``6222 **** **** 0128``."""
    return f"{value[:4]} **** **** {value[-4:]}" if value else ""


def id_number_digest(value: str) -> str:
    return blind_index(normalize_id_number(value), purpose=ID_NUMBER_INDEX)


def uscc_digest(value: str) -> str:
    return blind_index(normalize_uscc(value), purpose=USCC_INDEX)


def id_number_columns(value: str) -> dict[str, str]:
    """The three stored columns for an ID number: encrypted, digest and masked."""
    normalized = normalize_id_number(value)
    return {
        "id_number": normalized,
        "id_number_digest": blind_index(normalized, purpose=ID_NUMBER_INDEX),
        "id_number_masked": mask_id_number(normalized),
    }


def uscc_columns(value: str) -> dict[str, str]:
    """The three stored columns for a USCC: encrypted, digest and masked."""
    normalized = normalize_uscc(value)
    return {
        "uscc": normalized,
        "uscc_digest": blind_index(normalized, purpose=USCC_INDEX),
        "uscc_masked": mask_uscc(normalized),
    }


_REVEALABLE = {
    PersonalDataField.ID_NUMBER: "id_number",
    PersonalDataField.USCC: "uscc",
}


@transaction.atomic
def personal_data_reveal(*, official, subject: models.Model, field: str, reason: str) -> str:
    """Return the full value of ``field`` on ``subject`` for ``official``, logged.

    :raises PermissionDenied: without the ``identity.reveal_personal_data`` permission.
    :raises ApplicationError: without a stated reason.
    """
    if not official.has_perm("identity.reveal_personal_data"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ApplicationError(_("请填写查看完整信息的事由。"), code="reason_required")
    attribute = _REVEALABLE[PersonalDataField(field)]
    value = getattr(subject, attribute)
    personal_data_access_record(official=official, subject=subject, field=field, reason=reason)
    return value


def personal_data_access_record(*, official, subject: models.Model, field: str, reason: str) -> PersonalDataAccess:
    """Log an official's access to a person's documents (e.g. opening an applicant's material),
    with the client IP of the request it happens in (:mod:`audit.context`)."""
    return PersonalDataAccess.objects.create(
        official=official,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        field=field,
        reason=reason[:300],
        client_ip=current_client_ip(),
    )
