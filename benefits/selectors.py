"""Reads of the pension certification: whose tasks a resident sees, a campaign's progress,
the home-visit list, which reminder is due."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from identity.constants import AssuranceLevel
from identity.models import ProxyAuthorisation, User
from identity.selectors_enterprises import grant_covers

from .constants import PENSION_CERTIFICATION_SERVICE_CODE, Path, ReminderKind, TaskStatus, VisitStatus
from .models import Beneficiary, Campaign, CertificationTask, HomeVisitRequest, ServiceHall


def _accounts() -> QuerySet[User]:
    return User.objects.filter(assurance_level__gte=AssuranceLevel.L2, is_active=True).order_by("pk")


def beneficiary_account(beneficiary: Beneficiary) -> User | None:
    """The pensioner's portal account: the active, real-name verified user with the same ID
    number (found through the digest), or None. Cached on the instance."""
    if not hasattr(beneficiary, "_account"):
        beneficiary._account = (
            _accounts().filter(id_number_digest=beneficiary.id_number_digest).first()
            if beneficiary.id_number_digest
            else None
        )
    return beneficiary._account


def beneficiary_accounts_load(beneficiaries: Iterable[Beneficiary]) -> None:
    """Fill :func:`beneficiary_account`'s cache of many pensioners in one query (closing a
    campaign tells thousands of them)."""
    todo = [beneficiary for beneficiary in beneficiaries if not hasattr(beneficiary, "_account")]
    digests = {beneficiary.id_number_digest for beneficiary in todo if beneficiary.id_number_digest}
    found: dict[str, User] = {}
    if digests:
        for user in _accounts().filter(id_number_digest__in=digests):
            found.setdefault(user.id_number_digest, user)  # the first by pk, as beneficiary_account
    for beneficiary in todo:
        beneficiary._account = found.get(beneficiary.id_number_digest)


def principals_for_proxy(*, user: User) -> list[User]:
    """The residents ``user`` holds an active family proxy from covering the pension certification."""
    from django.utils import timezone

    grants = ProxyAuthorisation.objects.filter(
        proxy=user, proxy__is_active=True, revoked_at__isnull=True, valid_until__gt=timezone.now()
    ).select_related("principal")
    return [
        grant.principal
        for grant in grants
        if grant_covers(grant, PENSION_CERTIFICATION_SERVICE_CODE) and grant.principal.is_real_name_verified
    ]


def tasks_for_resident(*, user: User) -> list[CertificationTask]:
    """The resident's own tasks and those of the people they hold a covering proxy for,
    newest campaign first, each with ``for_self`` set. A fixed number of queries."""
    own = user.id_number_digest if user.is_real_name_verified and user.id_number_digest else None
    others = {principal.id_number_digest: principal for principal in principals_for_proxy(user=user)}
    digests = [digest for digest in [own, *others] if digest]
    if not digests:
        return []
    tasks = list(
        CertificationTask.objects.filter(beneficiary__id_number_digest__in=digests)
        .exclude(campaign__status="draft")
        .select_related("campaign", "beneficiary")
        .order_by("-campaign__year", "-campaign__window_start", "pk")
    )
    for task in tasks:
        task.for_self = task.beneficiary.id_number_digest == own
        task.beneficiary._account = user if task.for_self else others.get(task.beneficiary.id_number_digest)
    return tasks


def task_for_resident(*, user: User, task_id: int) -> CertificationTask | None:
    for task in tasks_for_resident(user=user):
        if task.pk == task_id:
            return task
    return None


@dataclass(frozen=True)
class Progress:
    total: int
    by_status: dict[str, int]
    by_path: dict[str, int]
    failed: int  # still open after a failed face check
    visits_requested: int

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.by_status.get(value, 0)) for value, label in TaskStatus.choices]

    @property
    def path_rows(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.by_path.get(value, 0)) for value, label in Path.choices]


def _progress_aggregates() -> dict:
    aggregates = {"total": Count("tasks")}
    for value in TaskStatus.values:
        aggregates[f"status_{value}"] = Count("tasks", filter=Q(tasks__status=value))
    for value in Path.values:
        aggregates[f"path_{value}"] = Count("tasks", filter=Q(tasks__status=TaskStatus.CERTIFIED, tasks__path=value))
    aggregates["failed"] = Count(
        "tasks",
        filter=Q(tasks__failed_attempts__gt=0)
        & Q(tasks__status__in=[TaskStatus.PENDING, TaskStatus.FLAGGED, TaskStatus.SUSPENDED]),
    )
    return aggregates


def campaigns_with_progress() -> QuerySet[Campaign]:
    """Campaigns annotated with their counts (one query for the whole list)."""
    return Campaign.objects.annotate(**{f"n_{key}": value for key, value in _progress_aggregates().items()})


def campaign_progress(*, campaign: Campaign) -> Progress:
    """Counts of the campaign's tasks by status and (certified) by path: two queries."""
    row = Campaign.objects.filter(pk=campaign.pk).aggregate(**_progress_aggregates())
    return Progress(
        total=row["total"],
        by_status={value: row[f"status_{value}"] for value in TaskStatus.values},
        by_path={value: row[f"path_{value}"] for value in Path.values},
        failed=row["failed"],
        visits_requested=HomeVisitRequest.objects.filter(task__campaign=campaign, status=VisitStatus.REQUESTED).count(),
    )


def visits_to_make() -> QuerySet[HomeVisitRequest]:
    return HomeVisitRequest.objects.filter(status=VisitStatus.REQUESTED).select_related(
        "task__campaign", "task__beneficiary"
    )


def service_halls(*, region_code: str) -> list[ServiceHall]:
    """The halls of the region (its prefix: a city's halls serve its districts), else all."""
    halls = list(ServiceHall.objects.all())
    local = [
        hall for hall in halls if region_code.startswith(hall.region_code) or hall.region_code.startswith(region_code)
    ]
    return local or halls


def reminder_moments(campaign: Campaign) -> list[tuple[str, datetime.date]]:
    start, end = campaign.window_start, campaign.window_end
    midway = start + (end - start) / 2
    final = end - datetime.timedelta(days=settings.BENEFITS_FINAL_REMINDER_DAYS)
    return [(ReminderKind.START, start), (ReminderKind.MIDWAY, midway), (ReminderKind.FINAL, final)]


def reminder_due(campaign: Campaign, today: datetime.date) -> str | None:
    """The latest reminder kind whose date has come (None before the window or after it)."""
    if not (campaign.window_start <= today <= campaign.window_end):
        return None
    due = None
    for kind, day in reminder_moments(campaign):
        if day <= today and (due is None or day >= due[1]):
            due = (kind, day)
    return due[0] if due else None
