"""Supervision test helpers: supervisors and heads of a department, and cases whose
promised deadline is moved to where a test needs it (test setup only: production moves
deadlines through the applications services)."""

import datetime

from django.contrib.auth.models import Permission

from applications.calendar import WorkingCalendar
from applications.models import Application
from applications.tests.factories import application_in, official, published_item, resident

__all__ = ["application_in", "case_due", "head", "official", "published_item", "resident", "supervisor", "working_day"]


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="supervision", codename__in=codenames))
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def supervisor(*, department):
    """An official of ``department`` holding ``supervision.supervise_department`` (and view)."""
    return _grant(official(department=department), "supervise_department", "view_supervisioncard")


def head(*, department):
    """An official of ``department`` holding ``supervision.head_of_department``."""
    return _grant(official(department=department), "head_of_department")


def working_day(offset: int, *, today: datetime.date | None = None) -> datetime.date:
    """The working day ``offset`` working days from ``today`` (negative: before); 0 is today
    (moved back to the last working day when today is not one)."""
    from django.utils import timezone

    day = today or timezone.localdate()
    calendar = WorkingCalendar(first_year=day.year - 1, last_year=day.year + 1)
    step = datetime.timedelta(days=1 if offset > 0 else -1)
    while not calendar.is_working_day(day):
        day -= datetime.timedelta(days=1)
    remaining = abs(offset)
    while remaining:
        day += step
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def case_due(status: str, *, deadline: datetime.date, item=None, **kwargs) -> Application:
    """A case in ``status`` (through the services) whose promised deadline is ``deadline``."""
    case = application_in(status, item=item, **kwargs)
    Application.objects.filter(pk=case.pk).update(promised_deadline=deadline)
    case.refresh_from_db()
    return case
