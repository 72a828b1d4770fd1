"""Reads for applications: who may see which case."""

from django.db.models import Q, QuerySet

from common.expressions import InSubquery
from identity.models import Enterprise

from .constants import Status
from .models import Application, DepartmentOfficial, Transition


def official_department_ids(*, user) -> list[int]:
    return list(DepartmentOfficial.objects.filter(user=user).values_list("department_id", flat=True))


def applications_for_official(*, user) -> QuerySet[Application]:
    """The cases an official may see: their departments' only (superusers see all). Never drafts."""
    queryset = Application.objects.exclude(status=Status.DRAFT)
    if user.is_superuser:
        return queryset
    return queryset.filter(department_id__in=official_department_ids(user=user))


def official_may_process(*, user, application: Application) -> bool:
    if not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return DepartmentOfficial.objects.filter(user=user, department_id=application.department_id).exists()


def resident_cases(*, user) -> Q:
    """Whose cases a resident sees (top-level: a bundle shows as one): those they made, those a
    family proxy submitted for them (代办), and those an agent submitted for an enterprise they
    are the legal representative of (``applicant`` says who acted). Someone else's unsubmitted
    draft stays theirs.

    The enterprises the user represents are a subquery on the indexed ``enterprise_id``
    (:class:`~common.expressions.InSubquery`, run once before the scan) rather than a join in
    the filter, so PostgreSQL combines the three indexes instead of scanning every case."""
    represented = Enterprise.objects.filter(legal_representative=user).values("pk")
    made_for_them = (Q(principal_user=user) | Q(InSubquery("enterprise_id", represented))) & ~Q(status=Status.DRAFT)
    return (Q(applicant=user) | made_for_them) & Q(parent__isnull=True)


def applications_for_resident(*, user) -> QuerySet[Application]:
    """A resident's cases (:func:`resident_cases`), newest first."""
    return (
        Application.objects.filter(resident_cases(user=user))
        .select_related("service_item", "bundle", "department", "applicant", "principal_user", "enterprise")
        .order_by("-created_at")
    )


def resident_may_view(*, user, application: Application) -> bool:
    """The applicant (who acted) and, once submitted, the person it was made for or the legal
    representative of the enterprise it was made for."""
    if application.applicant_id == user.pk:
        return True
    if application.status == Status.DRAFT:
        return False
    if application.enterprise_id is not None:
        return application.enterprise.legal_representative_id == user.pk
    return application.principal_user_id == user.pk


def application_by_case_number(*, case_number: str) -> Application | None:
    """A case by its number, whoever it belongs to: callers check who asks (see
    ``services_resident.application_open_for_resident``, which also records someone else's attempt)."""
    return (
        Application.objects.select_related(
            "service_item", "service_version", "department", "bundle", "applicant", "principal_user", "enterprise"
        )
        .filter(case_number=case_number)
        .first()
    )


def application_timeline(*, application: Application) -> QuerySet[Transition]:
    return Transition.objects.filter(application=application).select_related("actor").order_by("created_at", "pk")
