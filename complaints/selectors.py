"""Reads for evaluations: a case's ratings, the officials' follow-up queue and the public figures.

The figures are computed from the ratings, never typed in: per department and per
service item, the number of ratings, the satisfaction rate (levels 1–3 over the
ratings not excluded by an upheld appeal) and the rectification rate (closed
follow-ups over follow-ups, leaving out those whose appeal was upheld). Each is
one query whatever the number of rows: counts are correlated subqueries.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from applications.models import Application
from applications.selectors import official_department_ids
from services.models import Department, ServiceItem

from .constants import SATISFIED_LEVELS, FollowUpStatus
from .models import Evaluation, FollowUp

FIGURES = ("ratings", "satisfied", "followups", "rectified")
# The annotations carrying them (``followups`` is a relation of Department).
FIGURE_FIELDS = tuple(f"n_{name}" for name in FIGURES)


def evaluations_for_case(*, application: Application) -> dict[str, Evaluation]:
    """The case's ratings by stage, each with its follow-up if any (one query)."""
    rows = Evaluation.objects.filter(application=application).select_related("followup__department")
    return {evaluation.stage: evaluation for evaluation in rows}


def followups_for_official(*, user) -> QuerySet[FollowUp]:
    """The follow-ups an official may see: their departments' only; supervisors who decide
    appeals (``complaints.decide_appeal``) and superusers see all."""
    followups = FollowUp.objects.all()
    if user.is_superuser or user.has_perm("complaints.decide_appeal"):
        return followups
    return followups.filter(department_id__in=official_department_ids(user=user))


def _count(rows: QuerySet, field: str):
    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def _annotate_figures(queryset: QuerySet, *, rating_field: str, followup_field: str) -> QuerySet:
    ratings = Evaluation.objects.filter(excluded=False)
    followups = FollowUp.objects.exclude(status=FollowUpStatus.APPEAL_UPHELD)
    return queryset.annotate(
        n_ratings=_count(ratings, rating_field),
        n_satisfied=_count(ratings.filter(level__in=SATISFIED_LEVELS), rating_field),
        n_followups=_count(followups, followup_field),
        n_rectified=_count(followups.filter(status=FollowUpStatus.CLOSED), followup_field),
    ).filter(Q(n_ratings__gt=0) | Q(n_followups__gt=0))


def department_figures() -> QuerySet:
    """Departments with ratings or follow-ups, as rows (dicts) with their counts, by code."""
    departments = _annotate_figures(
        Department.objects.all(),
        rating_field="application__service_item__department",
        followup_field="department",
    )
    return departments.values("id", "code", "name", "name_en", *FIGURE_FIELDS).order_by("code")


def item_figures(*, department_ids=None) -> QuerySet:
    """Service items with ratings or follow-ups (of ``department_ids`` if given), as rows with their counts."""
    items = ServiceItem.objects.all()
    if department_ids is not None:
        items = items.filter(department_id__in=list(department_ids))
    items = _annotate_figures(
        items,
        rating_field="application__service_item",
        followup_field="evaluation__application__service_item",
    )
    return items.values("id", "code", "name", "name_en", "department_id", *FIGURE_FIELDS).order_by("code")


@dataclass(frozen=True)
class Figures:
    ratings: int
    satisfied: int
    followups: int
    rectified: int

    @property
    def satisfaction_rate(self) -> float | None:
        """Per cent, one decimal; None without ratings."""
        return round(100 * self.satisfied / self.ratings, 1) if self.ratings else None

    @property
    def rectification_rate(self) -> float | None:
        return round(100 * self.rectified / self.followups, 1) if self.followups else None


def figures_of(row: dict) -> Figures:
    return Figures(**{name: row[f"n_{name}"] for name in FIGURES})


def figures_table() -> list[dict]:
    """The public page: every department with figures, its items nested (two queries)."""
    departments = list(department_figures())
    items_by_department: dict[int, list[dict]] = {}
    for item in item_figures(department_ids=[row["id"] for row in departments]):
        items_by_department.setdefault(item["department_id"], []).append({**item, "figures": figures_of(item)})
    return [{**row, "figures": figures_of(row), "items": items_by_department.get(row["id"], [])} for row in departments]
