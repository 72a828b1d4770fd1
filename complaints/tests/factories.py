"""Complaints test helpers: officials who work follow-ups, supervisors who decide appeals,
and cases rated through the services."""

from django.contrib.auth.models import Permission

from applications.constants import Status
from applications.tests.factories import application_in, official, published_item, resident
from complaints import services
from complaints.constants import Stage

__all__ = [
    "application_in",
    "dispatcher",
    "followup_official",
    "inquiry_official",
    "published_item",
    "rated_case",
    "resident",
    "submitted_inquiry",
    "supervisor",
]


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


def inquiry_official(*, department, view_reporter_identity: bool = False):
    """An official of ``department`` who handles its inquiries and complaints."""
    codenames = ["handle_inquiry", "view_inquiry"] + (["view_reporter_identity"] if view_reporter_identity else [])
    return _grant(official(department=department), *codenames)


def dispatcher(*, department):
    """A member of the dispatch centre (统一受理中心), who assigns unrouted items."""
    return _grant(official(department=department), "dispatch_inquiry", "view_inquiry")


def submitted_inquiry(*, submitter=None, kind: str = "complaint", **fields):
    """An inquiry submitted through the service by ``submitter`` (a new resident by default)."""
    from complaints.services_inquiries import inquiry_submit

    if not fields.get("anonymous"):
        submitter = submitter or resident()
    inquiry, _code = inquiry_submit(
        kind=kind,
        subject=fields.pop("subject", "窗口办事排队时间过长"),
        content=fields.pop("content", "上周二上午在政务服务中心排队两个小时。"),
        submitter=submitter,
        **fields,
    )
    return inquiry
