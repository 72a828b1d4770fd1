"""Reads for electronic supervision: who supervises and heads a department, which cards
an official sees, and the figures of a week's digest.

Who is who (the simplest honest model, documented in the app's docstring):

- a department's **supervisors** are its officials (``applications.DepartmentOfficial``)
  holding ``supervision.supervise_department``, directly or through a group;
- its **heads** are its officials holding ``supervision.head_of_department``.

Holding the permission alone gives nothing: the department membership says whose cases.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet

from applications.models import Application
from applications.selectors import official_department_ids
from complaints.constants import FOLLOWUP_FINAL_STATUSES, INQUIRY_OPEN_STATUSES
from complaints.models import FollowUp, Inquiry
from identity.backends import MODEL_BACKEND

from .constants import CARD_ACTIVE_STATUSES, Colour
from .models import SupervisionCard

SUPERVISE = "supervision.supervise_department"
HEAD = "supervision.head_of_department"


def _officials_with(perm: str, *, department_ids) -> QuerySet:
    # Permissions live in the model backend; django-axes' backend holds none.
    return (
        get_user_model()
        .objects.with_perm(perm, is_active=True, include_superusers=False, backend=MODEL_BACKEND)
        .filter(department_roles__department_id__in=list(department_ids))
    )


def department_supervisors(*, department_id: int) -> QuerySet:
    """The supervisors of a department, by pk."""
    return _officials_with(SUPERVISE, department_ids=[department_id]).order_by("pk")


def department_heads_by_department() -> dict[int, list]:
    """{department id: [head users]} for every department with at least one head (one query)."""
    heads: dict[int, list] = {}
    rows = (
        get_user_model()
        .objects.with_perm(HEAD, is_active=True, include_superusers=False, backend=MODEL_BACKEND)
        .filter(department_roles__isnull=False)
        .annotate(head_of=F("department_roles__department_id"))
        .order_by("head_of", "pk")
    )
    for user in rows:
        heads.setdefault(user.head_of, []).append(user)
    return heads


def is_supervisor(*, user, department_id: int) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return user.has_perm(SUPERVISE) and department_id in official_department_ids(user=user)


def is_department_official(*, user, department_id: int) -> bool:
    """An official who works the department's cases (``applications.process_application``)."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return user.has_perm("applications.process_application") and department_id in official_department_ids(user=user)


def cards_for_official(*, user) -> QuerySet[SupervisionCard]:
    """The cards an official may see: their departments' (superusers: all)."""
    cards = SupervisionCard.objects.all()
    if user.is_superuser:
        return cards
    return cards.filter(department_id__in=official_department_ids(user=user))


# --- The weekly digest ------------------------------------------------------------------

DIGEST_FIGURES = (
    "received",
    "concluded",
    "concluded_on_time",
    "open_yellow_cards",
    "open_red_cards",
    "overdue_followups",
    "overdue_inquiries",
)


def week_bounds(week_start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local midnights starting the ISO week of ``week_start`` (a Monday) and the next."""
    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime.combine(week_start, datetime.time.min))
    return start, start + datetime.timedelta(days=7)


def digest_figures(*, week_start: datetime.date, today: datetime.date, department_ids=None) -> dict[int, dict]:
    """{department id: figures} for the ISO week starting ``week_start``, in four grouped queries.

    - received: cases submitted in the week;
    - concluded: cases concluded (办结) in the week;
    - concluded on time: of those, concluded on or before their promised deadline (local date);
    - open yellow / red cards: cards still open or acknowledged now;
    - overdue follow-ups (差评整改) and inquiries (咨询投诉): still open now and past their due date.
    """
    start, end = week_bounds(week_start)
    figures: dict[int, dict] = {}

    def put(rows, *names):
        for row in rows:
            entry = figures.setdefault(row["department_id"], dict.fromkeys(DIGEST_FIGURES, 0))
            for name in names:
                entry[name] = row[name]

    def scoped(queryset):
        return queryset if department_ids is None else queryset.filter(department_id__in=list(department_ids))

    cases = scoped(Application.objects.filter(department__isnull=False))
    received = Q(submitted_at__gte=start, submitted_at__lt=end)
    concluded = Q(concluded_at__gte=start, concluded_at__lt=end)
    put(
        cases.filter(received | concluded)
        .values("department_id")
        .annotate(
            received=Count("pk", filter=received),
            concluded=Count("pk", filter=concluded),
            concluded_on_time=Count("pk", filter=concluded & Q(concluded_at__date__lte=F("promised_deadline"))),
        )
        .order_by(),
        "received",
        "concluded",
        "concluded_on_time",
    )
    put(
        scoped(SupervisionCard.objects.filter(status__in=CARD_ACTIVE_STATUSES))
        .values("department_id")
        .annotate(
            open_yellow_cards=Count("pk", filter=Q(colour=Colour.YELLOW)),
            open_red_cards=Count("pk", filter=Q(colour=Colour.RED)),
        )
        .order_by(),
        "open_yellow_cards",
        "open_red_cards",
    )
    put(
        scoped(FollowUp.objects.filter(due_date__lt=today).exclude(status__in=FOLLOWUP_FINAL_STATUSES))
        .values("department_id")
        .annotate(overdue_followups=Count("pk"))
        .order_by(),
        "overdue_followups",
    )
    put(
        scoped(Inquiry.objects.filter(status__in=INQUIRY_OPEN_STATUSES, due_date__lt=today, department__isnull=False))
        .values("department_id")
        .annotate(overdue_inquiries=Count("pk"))
        .order_by(),
        "overdue_inquiries",
    )
    return figures
