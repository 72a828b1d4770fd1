from datetime import date

from identity.constants import PersonalDataField
from identity.models import PersonalDataAccess

from .context import current_client_ip
from .registry import AuditSource


def audit_export_record(
    *, official, source: AuditSource, date_from: date, date_to: date, reason: str
) -> PersonalDataAccess:
    """Log an export of audit records like any other read of personal data (the history of users
    and cases holds names, mobile numbers and masked ID numbers): who, which records, which days,
    why, and from which address. The log is itself append-only."""
    return PersonalDataAccess.objects.create(
        official=official,
        subject_type=source.model._meta.label_lower,
        subject_id=f"{date_from:%Y-%m-%d}..{date_to:%Y-%m-%d}",
        field=PersonalDataField.AUDIT_EXPORT,
        reason=reason.strip()[:300],
        client_ip=current_client_ip(),
    )
