"""Which tables are audit records, declared once on the models themselves.

An audit record (a transition, an access to personal data, a partner event …) is kept at
least ``RETENTION_AUDIT_FLOOR_DAYS`` (monitoring/retention.py refuses to delete it sooner).
When it also names the official or user who acted (``actor_field``), it is an *access log*:
append-only in the database (audit/triggers.py, through an ``audit`` migration that lists
it) and part of the auditors' export (audit/registry.py).

A model declares itself with a class attribute::

    class Transition(models.Model):
        audit_record = AuditRecord(actor_field="actor_id")

so a new app's records join the retention floor and the audit export without anyone
editing a list in another app. ``audit/tests/test_append_only.py`` fails when an access log
has no audit migration yet.
"""

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class AuditRecord:
    # The column saying when the row was written.
    time_field: str = "created_at"
    # The column naming who acted; None: an audit record kept for the floor, not an access log.
    actor_field: str | None = None


def declared_audit_records() -> dict[type, AuditRecord]:
    """Every installed model declaring ``audit_record``, by model class."""
    return {
        model: model.audit_record
        for model in apps.get_models()
        if isinstance(getattr(model, "audit_record", None), AuditRecord)
    }
