"""Evaluations (好差评) and the follow-up of bad ratings: every write is here.

A rating is one per case and stage, given by the applicant once the case has
reached that stage; the rater may change it within
``EVALUATION_EDIT_WINDOW_HOURS``. A bad rating (不满意, 非常不满意) opens a
:class:`~complaints.models.FollowUp` for the service item's department in the
same transaction, due :data:`~complaints.constants.RECTIFICATION_WORKING_DAYS`
working days later on the applications' working-day calendar.

Follow-up changes go through :func:`followup_transition` (or
:func:`followup_callback_log`, which moves an opened follow-up to 已回访): the
row is locked, the move checked against ``FOLLOWUP_TRANSITIONS``, a repeated
move changes nothing, and each change appends a ``FollowUpTransition``.
"""

import datetime
from http import HTTPStatus

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import add_working_days
from applications.constants import Status
from applications.models import Application
from applications.selectors import official_department_ids
from common.exceptions import ApplicationError
from common.i18n import lazy_display_name
from notifications.services import notify

from .constants import (
    FOLLOWUP_FINAL_STATUSES,
    NOTE_REQUIRED,
    RECTIFICATION_WORKING_DAYS,
    FollowUpStatus,
    Level,
    Role,
    Stage,
    Tag,
    followup_transition_roles,
)
from .models import Evaluation, FollowUp, FollowUpCallback, FollowUpTransition

COMMENT_MAX_LENGTH = 500


# --- Evaluations ----------------------------------------------------------------------


def evaluation_edit_deadline(evaluation: Evaluation) -> datetime.datetime:
    return evaluation.created_at + datetime.timedelta(hours=settings.EVALUATION_EDIT_WINDOW_HOURS)


def evaluation_editable(evaluation: Evaluation, *, now: datetime.datetime | None = None) -> bool:
    """Whether the rater may still change ``evaluation`` (within the edit window)."""
    return (now or timezone.now()) < evaluation_edit_deadline(evaluation)


def stage_reached(*, application: Application, stage: str) -> bool:
    """Whether the case has reached ``stage``: concluded (办结) for ``concluded``; accepted
    (受理) at some point, whatever came after, for ``accepted``."""
    if stage == Stage.CONCLUDED:
        return application.status == Status.CONCLUDED
    if stage == Stage.ACCEPTED:
        return application.transitions.filter(to_status=Status.ACCEPTED).exists()
    return False


def _clean(*, level, tags, comment) -> tuple[int, list[str], str]:
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ApplicationError(_("请选择评价等级。"), code="invalid_level")
    tags = list(dict.fromkeys(tags or ()))
    if any(tag not in Tag.values for tag in tags):
        raise ApplicationError(_("评价标签无效。"), code="invalid_tag")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ApplicationError(
            _("评价内容不能超过 %(max)d 个字。") % {"max": COMMENT_MAX_LENGTH}, code="comment_too_long"
        )
    return level, tags, comment


def evaluation_submit(*, application: Application, rater, stage: str, level, tags=(), comment: str = "") -> Evaluation:
    """The applicant rates ``application`` at ``stage``; a bad level opens its follow-up.

    Refused for anyone but the applicant, before the case reached the stage, and
    for a second rating of the same case and stage (the unique constraint is the
    backstop for two submits racing).
    """
    if rater.pk != application.applicant_id:
        raise ApplicationError(_("只有申请人可以评价本办件。"), code="not_applicant", status=HTTPStatus.FORBIDDEN)
    if stage not in Stage.values:
        raise ApplicationError(_("评价环节无效。"), code="invalid_stage")
    level, tags, comment = _clean(level=level, tags=tags, comment=comment)
    if application.service_item_id is None:
        raise ApplicationError(_("该办件不能评价，请评价其中的各个子办件。"), code="not_ratable")
    if not stage_reached(application=application, stage=stage):
        raise ApplicationError(_("办件尚未到达该评价环节。"), code="stage_not_reached", status=HTTPStatus.CONFLICT)
    already = ApplicationError(_("您已评价过该环节。"), code="already_rated", status=HTTPStatus.CONFLICT)
    with transaction.atomic():
        if Evaluation.objects.filter(application=application, stage=stage).exists():
            raise already
        now = timezone.now()
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    application=application,
                    stage=stage,
                    level=level,
                    tags=tags,
                    comment=comment,
                    rater=rater,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise already from None
        if evaluation.is_bad:
            _followup_open(evaluation=evaluation, application=application, now=now)
    return evaluation


def evaluation_update(*, evaluation_id: int, rater, level, tags=(), comment: str = "") -> Evaluation:
    """The rater changes their rating within the edit window. A rating changed to a bad
    level opens a follow-up if it has none; an open follow-up stays when the level improves
    (the department still calls back)."""
    level, tags, comment = _clean(level=level, tags=tags, comment=comment)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().select_related("application").get(pk=evaluation_id)
        if evaluation.rater_id != rater.pk:
            raise ApplicationError(_("只有评价人可以修改评价。"), code="not_rater", status=HTTPStatus.FORBIDDEN)
        if not evaluation_editable(evaluation):
            raise ApplicationError(_("评价已超过可修改时间。"), code="frozen", status=HTTPStatus.CONFLICT)
        evaluation.level, evaluation.tags, evaluation.comment = level, tags, comment
        evaluation.updated_at = timezone.now()
        evaluation.save(update_fields=["level", "tags", "comment", "updated_at"])
        if evaluation.is_bad and not FollowUp.objects.filter(evaluation=evaluation).exists():
            _followup_open(evaluation=evaluation, application=evaluation.application, now=evaluation.updated_at)
    return evaluation


# --- Follow-ups -------------------------------------------------------------------------


def _followup_open(*, evaluation: Evaluation, application: Application, now: datetime.datetime) -> FollowUp:
    deadline = add_working_days(timezone.localdate(now), RECTIFICATION_WORKING_DAYS)
    followup = FollowUp.objects.create(
        evaluation=evaluation,
        department_id=application.service_item.department_id,
        due_date=deadline.date,
        due_provisional=deadline.provisional,
        opened_at=now,
    )
    FollowUpTransition.objects.create(
        followup=followup,
        from_status="",
        to_status=FollowUpStatus.OPENED,
        role=Role.SYSTEM,
        comment=_("差评自动转办"),
        created_at=now,
    )
    return followup


def _lock(followup_id: int) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("evaluation__application__service_item", "evaluation__application__applicant", "department")
        .get(pk=followup_id)
    )


def _actor_role(*, followup: FollowUp, actor, roles: frozenset[str]) -> str:
    """The role ``actor`` acts in among ``roles``: a supervisor holds ``complaints.decide_appeal``;
    the department is an official of the follow-up's department with ``complaints.handle_followup``."""
    if Role.SUPERVISOR in roles and actor.has_perm("complaints.decide_appeal"):
        return Role.SUPERVISOR
    if (
        Role.DEPARTMENT in roles
        and actor.has_perm("complaints.handle_followup")
        and (actor.is_superuser or followup.department_id in official_department_ids(user=actor))
    ):
        return Role.DEPARTMENT
    raise ApplicationError(_("您无权进行该操作。"), code="permission_denied", status=HTTPStatus.FORBIDDEN)


def followup_callback_log(*, followup_id: int, actor, note: str) -> FollowUpCallback:
    """Record a callback to the resident (回访); the first one moves an opened follow-up
    (or one whose appeal was rejected) to 已回访."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写回访记录。"), code="note_required")
    with transaction.atomic():
        followup = _lock(followup_id)
        role = _actor_role(followup=followup, actor=actor, roles=frozenset({Role.DEPARTMENT}))
        if followup.status in (*FOLLOWUP_FINAL_STATUSES, FollowUpStatus.APPEAL_REQUESTED):
            raise ApplicationError(
                _("该整改当前状态（%(status)s）不能登记回访。") % {"status": followup.get_status_display()},
                code="transition_not_allowed",
                status=HTTPStatus.CONFLICT,
            )
        callback = FollowUpCallback.objects.create(followup=followup, actor=actor, note=note)
        if followup.status in (FollowUpStatus.OPENED, FollowUpStatus.APPEAL_REJECTED):
            _move(followup=followup, to_status=FollowUpStatus.CALLED_BACK, actor=actor, role=role, note=note)
    return callback


def followup_transition(*, followup_id: int, to_status: str, actor, note: str = "") -> FollowUp:
    """Move a follow-up to ``to_status`` if ``FOLLOWUP_TRANSITIONS`` allows it and ``actor`` may.

    Rectifying needs a callback on record and the rectification note; an appeal and
    its decision need a reason. Closing reports the result to the resident (outbox);
    an upheld appeal excludes the rating from the figures and tells the resident too.
    Idempotent: asking for the status the follow-up is in changes nothing.
    """
    note = (note or "").strip()
    with transaction.atomic():
        followup = _lock(followup_id)
        if followup.status == to_status:
            return followup
        roles = followup_transition_roles(followup.status, to_status)
        if not roles:
            raise ApplicationError(
                _("整改不能从“%(from)s”变为“%(to)s”。")
                % {
                    "from": followup.get_status_display(),
                    "to": FollowUpStatus(to_status).label if to_status in FollowUpStatus.values else to_status,
                },
                code="transition_not_allowed",
                status=HTTPStatus.CONFLICT,
            )
        role = _actor_role(followup=followup, actor=actor, roles=roles)
        if to_status in NOTE_REQUIRED and not note:
            raise ApplicationError(_("请填写说明。"), code="note_required")
        if to_status in (FollowUpStatus.CALLED_BACK, FollowUpStatus.RECTIFIED) and not followup.callbacks.exists():
            raise ApplicationError(_("请先登记对群众的回访。"), code="callback_required", status=HTTPStatus.CONFLICT)
        return _move(followup=followup, to_status=to_status, actor=actor, role=role, note=note)


def _move(*, followup: FollowUp, to_status: str, actor, role: str, note: str) -> FollowUp:
    now = timezone.now()
    from_status = followup.status
    fields = {"status", "updated_at"}
    followup.status = to_status
    if to_status == FollowUpStatus.RECTIFIED:
        followup.rectification_note = note
        fields.add("rectification_note")
    if to_status in FOLLOWUP_FINAL_STATUSES:
        followup.closed_at = now
        followup.result_note = note or followup.rectification_note
        fields |= {"closed_at", "result_note"}
    followup.save(update_fields=sorted(fields))
    FollowUpTransition.objects.create(
        followup=followup, from_status=from_status, to_status=to_status, actor=actor, role=role, comment=note
    )
    evaluation = followup.evaluation
    if to_status == FollowUpStatus.APPEAL_UPHELD:
        evaluation.excluded = True
        evaluation.save(update_fields=["excluded"])
    if to_status in FOLLOWUP_FINAL_STATUSES:
        _report_result(followup=followup)
    return followup


def _report_result(*, followup: FollowUp) -> None:
    application = followup.evaluation.application
    notify(
        user=application.applicant,
        template="complaints.followup_result",
        context={
            "case_number": application.case_number or "",
            "service": lazy_display_name(application.service_item),
            "department": lazy_display_name(followup.department),
            "result": FollowUpStatus(followup.status).label,
            "note": followup.result_note,
        },
        link=f"/my/applications/{application.case_number}/",
    )
