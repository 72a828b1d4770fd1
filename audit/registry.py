"""Which tables are audit records: the change history of tracked models (django-pghistory's
event models, ``<Model>Event``) and the access logs the apps write themselves."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models

# The access logs: (model, the column that says who acted).
ACCESS_LOGS = {
    "applications.Transition": "actor_id",
    "applications.AccessAttempt": "user_id",
    "identity.PersonalDataAccess": "official_id",
    # The records of evaluations' follow-ups, inquiries and supervision cards.
    "complaints.FollowUpCallback": "actor_id",
    "complaints.FollowUpTransition": "actor_id",
    "complaints.InquiryTransition": "actor_id",
    "supervision.CardTransition": "actor_id",
    # The intermediary marketplace: reviews, posting moves, quote versions and published results.
    "marketplace.AgencyTransition": "actor_id",
    "marketplace.PostingTransition": "actor_id",
    "marketplace.QuoteRevision": "actor_id",
    "marketplace.SelectionResult": "selected_by_id",
}


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
        AuditSource(model=apps.get_model(label), created_at="created_at", actor=actor)
        for label, actor in ACCESS_LOGS.items()
    ]
    return sorted(sources, key=lambda source: source.label)


def audit_source(label: str) -> AuditSource | None:
    return next((source for source in audit_sources() if source.label == label), None)
