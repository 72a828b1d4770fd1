"""Retention: one registry of what may be deleted, when, and how.

A :class:`RetentionPolicy` names its rows (``candidates``: the querysets, by model, of what
would go at a cutoff), the setting holding its age, and how to delete them: an app's own
purge function where one exists (drafts, sign-in records, the webhook log …), otherwise a
batched delete of the candidates. ``manage.py purge_expired [--dry-run] [--policy NAME]``
and the daily ``monitoring.purge_expired`` task run the registry.

**The audit floor.** Audit records (transitions, personal-data access, sign-in records,
partner and client events …, :data:`AUDIT_MODELS`) are never deleted younger than
``RETENTION_AUDIT_FLOOR_DAYS`` (180). This is enforced here, not left to each policy:

* registering a policy whose rows are audit records with an age under the floor raises
  :class:`RetentionFloorError` (policies register when the app loads, so the process
  does not start);
* a policy is checked again before every run, with the settings of the moment;
* before every run (dry runs too), whatever the policy's selection: the run refuses if
  it would delete an audit record written less than the floor ago, directly or through
  ``on_delete=CASCADE`` from the rows it deletes (a draft's transitions, say).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Every audit record, as app_label.ModelName -> the field saying when it was written.
# RETENTION_EXTRA_AUDIT_MODELS adds more ("app.Model" or "app.Model:time_field").
AUDIT_MODELS = {
    "admin.LogEntry": "action_time",
    "applications.Transition": "created_at",
    "applications.AccessAttempt": "created_at",
    "applications.DeadlineRevision": "created_at",
    "certificates.CertificateTransition": "created_at",
    "certificates.UseLog": "created_at",
    "complaints.InquiryTransition": "created_at",
    "complaints.FollowUpTransition": "created_at",
    "complaints.FollowUpCallback": "created_at",
    "identity.PersonalDataAccess": "created_at",
    "identity.RealNameVerification": "created_at",
    "identity.EnterpriseEvent": "created_at",
    "identity.ActingRecord": "created_at",
    "identity.EidVerification": "created_at",
    "identity.OAuthClientEvent": "created_at",
    "identity.UserSession": "created_at",
    "partners.PartnerEvent": "created_at",
    "partners.WebhookEvent": "created_at",
    "payments.OrderTransition": "created_at",
    "supervision.CardTransition": "created_at",
    "marketplace.AgencyTransition": "created_at",
    "marketplace.PostingTransition": "created_at",
    "marketplace.QuoteRevision": "created_at",
    "marketplace.SelectionResult": "created_at",
    # Sign-in records (Cybersecurity Law art. 21: network logs kept six months at least).
    "axes.AccessLog": "attempt_time",
    "axes.AccessFailureLog": "attempt_time",
}

BATCH_SIZE = 1000


class RetentionFloorError(ImproperlyConfigured):
    """A policy would delete audit records younger than the floor."""


def audit_models() -> dict[str, str]:
    """label -> time field ("" when unknown: then any such row counts as young)."""
    extra = {}
    for entry in getattr(settings, "RETENTION_EXTRA_AUDIT_MODELS", ()):
        label, _colon, time_field = entry.partition(":")
        extra[label.strip()] = time_field.strip()
    return {**AUDIT_MODELS, **extra}


def audit_floor() -> timedelta:
    # Never below 180 days, whatever the setting says.
    return timedelta(days=max(getattr(settings, "RETENTION_AUDIT_FLOOR_DAYS", 180), 180))


def days_setting(name: str) -> Callable[[], timedelta]:
    return lambda: timedelta(days=getattr(settings, name))


def hours_setting(name: str) -> Callable[[], timedelta]:
    return lambda: timedelta(hours=getattr(settings, name))


@dataclass(frozen=True)
class RetentionPolicy:
    name: str
    description: str
    # The setting holding the age (documentation and the command's output).
    age_setting: str
    age: Callable[[], timedelta]
    # cutoff -> what would go, one queryset per model deleted directly.
    candidates: Callable[[datetime], dict[str, models.QuerySet]]
    # now -> rows deleted; None: a batched delete of the candidates.
    purge: Callable[[datetime], int | dict] | None = None
    # Models the purge deletes besides the candidates' (and their cascades), e.g. through signals.
    also_deletes: tuple[str, ...] = field(default=())

    def cutoff(self, now: datetime) -> datetime:
        return now - self.age()

    def models(self) -> list[str]:
        labels = list(self.candidates(timezone.now()).keys())
        return labels + [label for label in self.also_deletes if label not in labels]


def _cascade_paths(model) -> dict[str, str]:
    """Every model deleted with ``model`` through ``on_delete=CASCADE``: label -> the lookup
    from that model back to ``model``'s primary key."""
    found: dict[str, str] = {}

    def walk(current, path_to_root: str):
        for relation in current._meta.related_objects:
            if relation.on_delete is not models.CASCADE:
                continue
            related = relation.related_model
            label = related._meta.label
            if label in found or related is model:
                continue
            lookup = relation.field.name + ("__" + path_to_root if path_to_root else "")
            found[label] = lookup
            walk(related, lookup)

    walk(model, "")
    return found


def _direct_audit_models(policy: RetentionPolicy) -> list[str]:
    audit = audit_models()
    return [label for label in policy.models() if label in audit]


def check_floor(policy: RetentionPolicy) -> None:
    """Raise :class:`RetentionFloorError` if the policy deletes audit records sooner than the floor."""
    touched = _direct_audit_models(policy)
    if touched and policy.age() < audit_floor():
        raise RetentionFloorError(
            f"retention policy {policy.name!r} deletes audit records ({', '.join(touched)}) after "
            f"{policy.age()}, under the {audit_floor().days}-day floor ({policy.age_setting})"
        )


def _young(queryset: models.QuerySet, time_field: str, now: datetime) -> models.QuerySet:
    return queryset.filter(**{f"{time_field}__gte": now - audit_floor()}) if time_field else queryset


def check_young_audit_rows(policy: RetentionPolicy, querysets: dict[str, models.QuerySet], now: datetime) -> None:
    """Refuse, whatever the policy's own selection, when it would delete an audit record younger than
    the floor: directly, or through ``on_delete=CASCADE`` from the rows it deletes."""
    audit = audit_models()
    for label, queryset in querysets.items():
        if label in audit and _young(queryset, audit[label], now).exists():
            raise RetentionFloorError(
                f"retention policy {policy.name!r} would delete {label} rows (audit records) "
                f"younger than the {audit_floor().days}-day floor"
            )
        for related_label, lookup in _cascade_paths(queryset.model).items():
            if related_label not in audit:
                continue
            related = apps.get_model(related_label).objects.filter(**{f"{lookup}__in": queryset.values("pk")})
            if _young(related, audit[related_label], now).exists():
                raise RetentionFloorError(
                    f"retention policy {policy.name!r} would delete {related_label} rows (audit records) "
                    f"younger than the {audit_floor().days}-day floor with {label} rows"
                )


class RetentionRegistry:
    def __init__(self):
        self._policies: dict[str, RetentionPolicy] = {}

    def register(self, policy: RetentionPolicy) -> RetentionPolicy:
        if policy.name in self._policies and self._policies[policy.name] != policy:
            raise ImproperlyConfigured(f"retention policy {policy.name!r} is registered twice")
        check_floor(policy)
        self._policies[policy.name] = policy
        return policy

    def unregister(self, name: str) -> None:
        self._policies.pop(name, None)

    def __iter__(self):
        return iter(self._policies.values())

    def __contains__(self, name: str) -> bool:
        return name in self._policies

    def get(self, name: str) -> RetentionPolicy:
        return self._policies[name]

    def names(self) -> list[str]:
        return list(self._policies)


registry = RetentionRegistry()


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    cutoff: datetime
    dry_run: bool
    # Rows that would go (dry run, by model) or went (the policy's purge result).
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _batched_delete(querysets: dict[str, models.QuerySet]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label, queryset in querysets.items():
        deleted = 0
        while True:
            with transaction.atomic():
                ids = list(queryset.order_by().values_list("pk", flat=True)[:BATCH_SIZE])
                if not ids:
                    break
                queryset.model.objects.filter(pk__in=ids).delete()
                deleted += len(ids)
        counts[label] = deleted
    return counts


def _as_counts(policy: RetentionPolicy, result) -> dict[str, int]:
    if isinstance(result, dict):
        return {str(key): int(value) for key, value in result.items()}
    return {policy.models()[0]: int(result or 0)}


def policy_run(policy: RetentionPolicy, *, dry_run: bool, now: datetime | None = None) -> PolicyResult:
    """Count (dry run) or delete what the policy says may go; the floor is checked first."""
    now = now or timezone.now()
    check_floor(policy)
    cutoff = policy.cutoff(now)
    querysets = policy.candidates(cutoff)
    check_young_audit_rows(policy, querysets, now)
    if dry_run:
        counts = {label: queryset.count() for label, queryset in querysets.items()}
    elif policy.purge is not None:
        counts = _as_counts(policy, policy.purge(now))
    else:
        counts = _batched_delete(querysets)
    if not dry_run and any(counts.values()):
        logger.info("retention %s: deleted %s", policy.name, counts)
    return PolicyResult(policy=policy.name, cutoff=cutoff, dry_run=dry_run, counts=counts)


def retention_run(
    *, dry_run: bool = False, names: Iterable[str] | None = None, now: datetime | None = None
) -> list[PolicyResult]:
    """Run the named policies (all when ``names`` is None), in registration order."""
    wanted = list(names) if names is not None else registry.names()
    unknown = [name for name in wanted if name not in registry]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [policy_run(registry.get(name), dry_run=dry_run, now=now) for name in wanted]
