"""Complaints test helpers: officials who work follow-ups, supervisors who decide appeals,
and cases rated through the services."""

from django.contrib.auth.models import Permission

from applications.constants import Status
from applications.tests.factories import application_in, official, published_item, resident
from complaints import services
from complaints.constants import Stage

__all__ = ["application_in", "followup_official", "published_item", "rated_case", "resident", "supervisor"]


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="complaints", codename__in=codenames))
    # Permissions are cached on the user object.
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def followup_official(*, department):
    """An official of ``department`` who works its follow-ups."""
    return _grant(official(department=department), "handle_followup", "view_followup")


def supervisor(*, department):
    """A supervisor who decides appeals (``complaints.decide_appeal``)."""
    return _grant(official(department=department), "decide_appeal", "view_followup")


def rated_case(*, level: int, item=None, stage: str = Stage.CONCLUDED, applicant=None):
    """A concluded case of ``item`` rated ``level`` by its applicant, through the services."""
    case = application_in(Status.CONCLUDED, item=item, applicant=applicant)
    evaluation = services.evaluation_submit(
        application=case, rater=case.applicant, stage=stage, level=level, tags=[], comment=""
    )
    return case, evaluation
