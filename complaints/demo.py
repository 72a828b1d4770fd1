"""Demo ratings (好差评). DEMO ONLY.

Ratings at acceptance across the demo resident's cases, through the services, and
one bad rating whose follow-up is in rectification (called back, in the AMR
queue of ``official-amr``). The concluded demo case is left unrated at its
conclusion, for the resident to rate in the browser.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from applications.constants import Status
from applications.models import Application

from . import services
from .constants import Level, Stage, Tag
from .models import Evaluation

# Acceptance-stage ratings by the status the demo case ended in.
RATINGS = {
    Status.ACCEPTED: (Level.VERY_SATISFIED, [Tag.FAST, Tag.FULLY_ONLINE], "网上提交很方便。"),
    Status.IN_REVIEW: (Level.SATISFIED, [Tag.CLEAR_GUIDE], ""),
    Status.SUPPLEMENT_REQUESTED: (Level.FAIRLY_SATISFIED, [], "补正要求写得比较清楚。"),
    Status.APPROVED: (Level.VERY_SATISFIED, [Tag.KIND_STAFF], ""),
    Status.CONCLUDED: (Level.SATISFIED, [Tag.FAST], ""),
    # The bad one: its follow-up is left in rectification.
    Status.DENIED: (Level.DISSATISFIED, [Tag.SLOW, Tag.EXTRA_VISITS], "受理后很久没有进展，还让我跑了两趟。"),
}


def _grant_followup_work(official) -> None:
    group, _created = Group.objects.get_or_create(name="差评整改工作人员")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="complaints", codename__in=["view_followup", "handle_followup", "view_evaluation"]
        )
    )
    official.groups.add(group)


def seed() -> list[str]:
    from .demo_inquiries import seed as seed_inquiries

    return seed_ratings() + seed_inquiries()


def seed_ratings() -> list[str]:
    User = get_user_model()
    resident = User.objects.filter(username="13800138000").first()
    official = User.objects.filter(username="official-amr").first()
    if not (resident and official):
        return []
    _grant_followup_work(official)
    if Evaluation.objects.filter(rater=resident).exists():
        return [f"演示评价 / demo ratings: {Evaluation.objects.filter(rater=resident).count()}"]
    cases = Application.objects.filter(applicant=resident, service_item__isnull=False, status__in=list(RATINGS))
    for case in cases.order_by("pk"):
        level, tags, comment = RATINGS[case.status]
        evaluation = services.evaluation_submit(
            application=case, rater=resident, stage=Stage.ACCEPTED, level=level, tags=tags, comment=comment
        )
        if evaluation.is_bad:
            services.followup_callback_log(
                followup_id=evaluation.followup.pk,
                actor=official,
                note="已电话回访申请人，核实审查环节等待时间过长，正在整改。",
            )
    count = Evaluation.objects.filter(rater=resident).count()
    return [f"演示评价 / demo ratings: {count}（其中一条差评整改中，official-amr 的差评整改队列）"]
