"""Which tables are audit records: the change history of tracked models (django-pghistory's
event models, ``<Model>Event``) and the access logs the apps write themselves (the models
declaring an ``audit_record`` with an ``actor_field``, common/audit_records.py)."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from common.audit_records import declared_audit_records


@dataclass(frozen=True)
class AuditSource:
    model: type[models.Model]
    created_at: str
    # The column naming who acted; None for history rows, whose user is in ``pgh_context``.
    actor: str | None

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def is_history(self) -> bool:
        return self.actor is None


def audit_sources() -> list[AuditSource]:
    """Every audit table, ordered by label."""
    sources = [
        AuditSource(model=model, created_at="pgh_created_at", actor=None)
        for model in apps.get_models()
        if getattr(model, "pgh_tracked_model", None) is not None and model._meta.managed
    ]
    sources += [
        AuditSource(model=model, created_at=record.time_field, actor=record.actor_field)
        for model, record in declared_audit_records().items()
        if record.actor_field is not None
    ]
    return sorted(sources, key=lambda source: source.label)


def audit_source(label: str) -> AuditSource | None:
    return next((source for source in audit_sources() if source.label == label), None)
