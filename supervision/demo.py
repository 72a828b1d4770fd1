"""Demo data for electronic supervision. DEMO ONLY.

``official-amr`` (市场监管) becomes a supervisor of the AMR department and its head (so the
weekly digest has someone to go to), and two of the demo resident's AMR cases get cards:
the case in review is moved past its promised deadline (a red card) and the accepted case
to one working day before it (a yellow card). The deadlines are moved here, by demo-only
code, because every demo case is submitted today and none would be due for days.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from applications.calendar import add_working_days
from applications.constants import Status
from applications.models import Application

from .models import SupervisionCard
from .services import cards_issue

SUPERVISOR_GROUP = "电子监察督办人员"
HEAD_GROUP = "部门负责人"


def _grant(user, group_name: str, codenames: list[str]) -> None:
    group, _created = Group.objects.get_or_create(name=group_name)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="supervision", codename__in=codenames))
    user.groups.add(group)


def seed() -> list[str]:
    User = get_user_model()
    official = User.objects.filter(username="official-amr").first()
    resident = User.objects.filter(username="13800138000").first()
    if not (official and resident):
        return []
    _grant(official, SUPERVISOR_GROUP, ["supervise_department", "view_supervisioncard", "view_weeklydigest"])
    _grant(official, HEAD_GROUP, ["head_of_department"])
    amr_cases = Application.objects.filter(applicant=resident, department__code="scjg")
    if not SupervisionCard.objects.filter(application__in=amr_cases).exists():
        today = timezone.localdate()
        # DEMO ONLY: deadlines moved so that one case is late and one is nearly due.
        late = amr_cases.filter(status=Status.IN_REVIEW).order_by("pk").first()
        near = amr_cases.filter(status=Status.ACCEPTED).order_by("pk").first()
        if late is not None:
            Application.objects.filter(pk=late.pk).update(promised_deadline=today - datetime.timedelta(days=14))
        if near is not None:
            Application.objects.filter(pk=near.pk).update(promised_deadline=add_working_days(today, 1).date)
        cards_issue(today=today)
    cards = SupervisionCard.objects.filter(application__in=amr_cases)
    return [
        f"电子监察 / supervision cards: {cards.count()}（official-amr 为市场监管督办人员及部门负责人，"
        "在“监察督办单”中处理）"
    ]
