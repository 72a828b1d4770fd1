"""Writes of the pension certification (养老资格认证).

Every change of a campaign or a task is one function here: it locks the row, checks the
change against the one table in ``constants.py`` (``CAMPAIGN_TRANSITIONS``,
``TASK_TRANSITIONS``), returns early when the change already happened (a repeated click,
a replayed face-check result), saves with ``update_fields``, appends a transition record
(who, when, from, to, path, why) and tells the pensioner through the outbox, all in one
transaction.

The face check itself belongs to ``identity`` (``identity.services.facecheck``): this app
starts one with the resident's explicit consent and learns its result from the
``identity.signals.face_check_completed`` signal (:func:`face_check_finished`).
"""

import contextlib
import datetime
import logging
from dataclasses import dataclass, field
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.uploads import check_upload
from common.exceptions import ApplicationError
from identity.constants import AssuranceLevel, FaceCheckDecision, FaceCheckStatus
from identity.services.acting import act_on_behalf, acting_check
from notifications.services import notify, notify_mobile

from . import messages
from .constants import (
    ACTION_CERTIFY_FOR,
    ACTION_VISIT_REQUEST_FOR,
    ATTEMPT_REFERENCE_PREFIX,
    CAMPAIGN_TRANSITIONS,
    CERTIFIABLE_STATUSES,
    FACE_PURPOSE,
    OFFICIAL_PATHS,
    PENSION_CERTIFICATION_SERVICE_CODE,
    TASK_TRANSITIONS,
    AttemptStatus,
    CampaignStatus,
    ExemptionReason,
    Path,
    PaymentStatus,
    ReminderKind,
    Role,
    TaskAction,
    TaskStatus,
    VisitOutcome,
    VisitStatus,
)
from .models import (
    Beneficiary,
    Campaign,
    CampaignTransition,
    CertificationAttempt,
    CertificationTask,
    HomeVisitRequest,
    ReminderSent,
    TaskTransition,
)
from .selectors import beneficiary_account, beneficiary_accounts_load, reminder_due

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 1000
# The face-check decisions that mean "not this person, or not a live one".
FAILED_DECISIONS = (FaceCheckDecision.NO_MATCH, FaceCheckDecision.LIVENESS_FAILED)
HANDLE_PERMISSION = "benefits.handle_certification"
OPEN_PERMISSION = "benefits.open_campaign"


def _refuse(message, code: str, status: int = HTTPStatus.BAD_REQUEST) -> ApplicationError:
    return ApplicationError(message, code=code, status=status)


def _note(value: str, *, required: bool = False, label: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise _refuse(_("请填写%(label)s。") % {"label": label}, "note_required")
    if len(text) > NOTE_MAX_LENGTH:
        raise _refuse(_("说明不能超过%(n)d个字。") % {"n": NOTE_MAX_LENGTH}, "note_too_long")
    return text


def _require(actor, permission: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(permission):
        raise _refuse(_("您没有办理资格认证的权限。"), "permission_denied", HTTPStatus.FORBIDDEN)


def _local_date(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


# --- Telling the pensioner --------------------------------------------------------------------


@dataclass
class Told:
    inbox: bool = False
    sms: bool = False


def _tell(task: CertificationTask, template: str, extra: dict | None = None) -> Told:
    """Tell the pensioner of ``task``: inbox (and SMS by their preference) through their portal
    account when they have a real-name verified one, else an SMS to the imported mobile."""
    beneficiary = task.beneficiary
    campaign = task.campaign
    context = {
        "name": beneficiary.name,
        "campaign": campaign.name,
        "window_start": campaign.window_start.isoformat(),
        "window_end": campaign.window_end.isoformat(),
        **(extra or {}),
    }
    account = beneficiary_account(beneficiary)
    if account is not None:
        sent = notify(user=account, template=template, context=context, link=f"/my/benefits/{task.pk}/")
        return Told(inbox=True, sms=any(message.channel == "sms" for message in sent))
    sent = notify_mobile(mobile=beneficiary.mobile, template=template, context=context)
    return Told(sms=bool(sent))


# --- Campaigns ---------------------------------------------------------------------------------


def _lock_campaign(campaign_id: int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _move_campaign(campaign: Campaign, *, to_status: str, actor, comment: str = "") -> Campaign:
    if (campaign.status, to_status) not in CAMPAIGN_TRANSITIONS:
        raise _refuse(
            _("资格认证批次当前为“%(status)s”，不能进行此操作。") % {"status": campaign.get_status_display()},
            "campaign_transition_not_allowed",
            HTTPStatus.CONFLICT,
        )
    now = timezone.now()
    from_status = campaign.status
    campaign.status = to_status
    fields = ["status", "updated_at"]
    if to_status == CampaignStatus.OPEN:
        campaign.opened_by, campaign.opened_at = actor, now
        fields += ["opened_by", "opened_at"]
    else:
        campaign.closed_at = now
        fields.append("closed_at")
    campaign.save(update_fields=fields)
    CampaignTransition.objects.create(
        campaign=campaign, from_status=from_status, to_status=to_status, actor=actor, comment=comment, created_at=now
    )
    return campaign


def campaign_open(*, campaign_id: int, actor) -> Campaign:
    """A social-security official opens a draft campaign; its reminders start on ``window_start``."""
    _require(actor, OPEN_PERMISSION)
    with transaction.atomic():
        campaign = _lock_campaign(campaign_id)
        if campaign.status == CampaignStatus.OPEN:
            return campaign
        if campaign.window_end < timezone.localdate():
            raise _refuse(_("认证截止日期已过，不能开启。"), "campaign_window_past", HTTPStatus.CONFLICT)
        if not campaign.tasks.exists():
            raise _refuse(_("请先导入待遇领取人员名单。"), "campaign_empty", HTTPStatus.CONFLICT)
        return _move_campaign(campaign, to_status=CampaignStatus.OPEN, actor=actor)


def campaign_close(*, campaign_id: int, actor=None, today: datetime.date | None = None) -> int:
    """Close an open campaign after its window: every task still pending (neither certified
    nor exempted) is flagged for suspension and its pensioner told. Returns how many were
    flagged; closing a closed campaign flags nothing (0).

    ``actor`` is the official closing it by hand (who needs ``open_campaign``), or None for beat.
    """
    if actor is not None:
        _require(actor, OPEN_PERMISSION)
    today = today or timezone.localdate()
    with transaction.atomic():
        campaign = _lock_campaign(campaign_id)
        if campaign.status == CampaignStatus.CLOSED:
            return 0
        if today <= campaign.window_end:
            raise _refuse(
                _("认证期到%(end)s才结束，届时再关闭。") % {"end": campaign.window_end.isoformat()},
                "campaign_window_running",
                HTTPStatus.CONFLICT,
            )
        _move_campaign(campaign, to_status=CampaignStatus.CLOSED, actor=actor)
        pending = list(
            CertificationTask.objects.select_for_update(of=("self",))
            .filter(campaign=campaign, status=TaskStatus.PENDING)
            .select_related("beneficiary")
            .order_by("pk")
        )
        beneficiary_accounts_load(task.beneficiary for task in pending)
        for task in pending:
            task.campaign = campaign
            _move_task(
                task,
                action=TaskAction.FLAG,
                to_status=TaskStatus.FLAGGED,
                actor=None,
                role=Role.SYSTEM,
                comment=_("认证期结束时未认证"),
            )
            _tell(task, messages.FLAGGED)
    logger.info("benefits campaign %s closed: %d task(s) flagged", campaign_id, len(pending))
    return len(pending)


def campaigns_close_due(*, today: datetime.date | None = None) -> dict[int, int]:
    """Close every open campaign whose window ended before ``today`` (beat runs this daily)."""
    today = today or timezone.localdate()
    due = Campaign.objects.filter(status=CampaignStatus.OPEN, window_end__lt=today).values_list("pk", flat=True)
    return {campaign_id: campaign_close(campaign_id=campaign_id, today=today) for campaign_id in list(due)}


# --- Tasks: the one way to change one -----------------------------------------------------------


def _lock_task(task_id: int) -> CertificationTask:
    task = (
        CertificationTask.objects.select_for_update(of=("self",))
        .select_related("campaign", "beneficiary")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise _refuse(_("没有找到该认证任务。"), "task_not_found", HTTPStatus.NOT_FOUND)
    return task


def _not_allowed(task: CertificationTask) -> ApplicationError:
    return _refuse(
        _("该认证任务当前为“%(status)s”，不能进行此操作。") % {"status": task.get_status_display()},
        "task_transition_not_allowed",
        HTTPStatus.CONFLICT,
    )


def _move_task(
    task: CertificationTask,
    *,
    action: str,
    to_status: str,
    actor,
    role: str,
    comment: str = "",
    path: str = "",
    fields: dict | None = None,
) -> CertificationTask:
    """Apply one checked change to a locked task and record it."""
    if role not in TASK_TRANSITIONS.get((task.status, to_status), frozenset()):
        raise _not_allowed(task)
    from_status = task.status
    changed = {"status": to_status, **(fields or {})}
    for name, value in changed.items():
        setattr(task, name, value)
    task.save(update_fields=[*changed, "updated_at"])
    TaskTransition.objects.create(
        task=task,
        action=action,
        from_status=from_status,
        to_status=to_status,
        path=path,
        payment_status=task.payment_status,
        actor=actor,
        role=role,
        comment=comment,
    )
    return task


def _check_certifiable(task: CertificationTask) -> None:
    campaign = task.campaign
    if campaign.status == CampaignStatus.DRAFT:
        raise _refuse(_("本年度资格认证尚未开始。"), "campaign_not_open", HTTPStatus.CONFLICT)
    if task.status not in CERTIFIABLE_STATUSES:
        raise _not_allowed(task)


def _certify(task: CertificationTask, *, path: str, actor, role: str, comment: str = "") -> CertificationTask:
    """Certify a locked task (idempotent); a suspended payment resumes by itself."""
    if task.status == TaskStatus.CERTIFIED:
        return task
    _check_certifiable(task)
    now = timezone.now()
    resumed = task.payment_status == PaymentStatus.SUSPENDED
    fields = {
        "path": path,
        "certified_at": now,
        "certified_until": now + datetime.timedelta(days=settings.BENEFITS_CERTIFICATION_VALID_DAYS),
        "certified_by": actor,
    }
    if resumed:
        fields["payment_status"] = PaymentStatus.RESUMED
    late = task.status != TaskStatus.PENDING
    note = comment or (_("逾期后补认证") if late else "")
    _move_task(
        task,
        action=TaskAction.CERTIFY,
        to_status=TaskStatus.CERTIFIED,
        actor=actor,
        role=role,
        comment=note,
        path=path,
        fields=fields,
    )
    _tell(
        task,
        messages.CERTIFIED,
        {"path": Path(path).label, "certified_until": _local_date(task.certified_until), "resumed": resumed},
    )
    return task


def resident_role(*, task: CertificationTask, user) -> str:
    """``Role.PENSIONER`` when ``user`` is the pensioner's verified account, ``Role.AGENT`` when
    they hold a family proxy covering the pension certification for them.

    :raises ApplicationError: ``not_mandated`` (403) otherwise.
    """
    account = beneficiary_account(task.beneficiary)
    if account is not None and account.pk == user.pk:
        return Role.PENSIONER
    if account is None:
        # A proxy is granted by an account: a pensioner without one has no family agent online.
        raise _refuse(_("您没有代为办理该事项的授权，或授权已过期、已撤销。"), "not_mandated", HTTPStatus.FORBIDDEN)
    acting_check(actor=user, service_code=PENSION_CERTIFICATION_SERVICE_CODE, principal_user=account)
    return Role.AGENT


# --- Face checks (self, or a family agent with their own face) ------------------------------------


def certification_face_start(
    *,
    task_id: int,
    actor,
    consent_given: bool,
    consent_text: str,
    return_url: str,
    ip: str | None = None,
) -> tuple[CertificationAttempt, str]:
    """Start a face check to certify a task: the pensioner's own face, or, for a family agent
    holding a proxy covering :data:`PENSION_CERTIFICATION_SERVICE_CODE`, the agent's own face.
    Returns the attempt and the provider's URL to send the browser to.

    :raises ApplicationError: ``not_mandated`` (an agent without a valid proxy),
        ``face_consent_required``, ``real_name_required`` (from identity), or the task's state.
    """
    from identity.services.facecheck import face_check_start

    if not consent_given:
        # Checked before anything is recorded; identity checks it again, with the text.
        raise _refuse(_("请先阅读并同意人脸识别告知事项。"), "face_consent_required")
    with transaction.atomic():
        task = CertificationTask.objects.select_related("campaign", "beneficiary").filter(pk=task_id).first()
        if task is None:
            raise _refuse(_("没有找到该认证任务。"), "task_not_found", HTTPStatus.NOT_FOUND)
        role = resident_role(task=task, user=actor)
        _check_certifiable(task)
        attempt = CertificationAttempt.objects.create(
            task=task, actor=actor, path=Path.FACE if role == Role.PENSIONER else Path.AGENT_FACE
        )
    # Outside our transaction: a provider failure is recorded by identity on its own check.
    try:
        check, redirect_url = face_check_start(
            user=actor,
            purpose=FACE_PURPOSE,
            reference=attempt.reference,
            consent_given=consent_given,
            consent_text=consent_text,
            return_url=return_url,
            ip=ip,
        )
    except ApplicationError:
        attempt.delete()  # nothing was started: no attempt to show
        raise
    CertificationAttempt.objects.filter(pk=attempt.pk, face_check_id__isnull=True).update(
        face_check_id=check.pk, updated_at=timezone.now()
    )
    attempt.face_check_id = check.pk
    return attempt, redirect_url


def face_check_finished(*, face_check) -> CertificationAttempt | None:
    """Act on a finished face check of ours (the ``face_check_completed`` receiver).

    Runs inside the face check's own transaction. A pass certifies the task by the attempt's
    path (a family agent's pass is recorded as acting for the pensioner, their proxy checked
    again now); the pensioner's own pass also raises their assurance to L3 until the
    certification expires. Anything else (no match, a failed liveness check such as a spoof,
    cancelled, expired) fails the attempt; the task stays open for another try or another path.
    Replayed results change nothing.
    """
    if face_check.purpose != FACE_PURPOSE:
        return None
    attempt = (
        CertificationAttempt.objects.select_for_update()
        .select_related("actor")
        .filter(face_check_id=face_check.pk)
        .first()
    )
    if attempt is None and str(face_check.reference).startswith(ATTEMPT_REFERENCE_PREFIX):
        attempt = (
            CertificationAttempt.objects.select_for_update()
            .filter(pk=str(face_check.reference).removeprefix(ATTEMPT_REFERENCE_PREFIX))
            .first()
        )
    if attempt is None or attempt.status != AttemptStatus.STARTED:
        return attempt
    task = _lock_task(attempt.task_id)
    now = timezone.now()
    decision = str(getattr(face_check, "decision", "") or "")
    passed = face_check.status == FaceCheckStatus.PASSED
    if passed:
        try:
            with transaction.atomic():
                role = Role.PENSIONER if attempt.path == Path.FACE else Role.AGENT
                if role == Role.AGENT:
                    account = beneficiary_account(task.beneficiary)
                    if account is None:
                        raise _refuse(_("您没有代为办理该事项的授权，或授权已过期、已撤销。"), "not_mandated")
                    act_on_behalf(
                        actor=attempt.actor,
                        action=ACTION_CERTIFY_FOR,
                        service_code=PENSION_CERTIFICATION_SERVICE_CODE,
                        principal_user=account,
                        object_reference=f"benefits.task:{task.pk}",
                    )
                _certify(task, path=attempt.path, actor=attempt.actor, role=role)
                if role == Role.PENSIONER and task.certified_until:
                    from identity.services.facecheck import assurance_raise

                    assurance_raise(
                        user=attempt.actor,
                        level=AssuranceLevel.L3,
                        until=task.certified_until,
                        reason=f"benefits.task:{task.pk}",
                    )
        except ApplicationError as exc:
            passed = False
            decision = exc.code
            task.refresh_from_db()
    attempt.status = AttemptStatus.PASSED if passed else AttemptStatus.FAILED
    attempt.decision = decision[:20]
    attempt.completed_at = now
    attempt.save(update_fields=["status", "decision", "completed_at", "updated_at"])
    # A face that did not match or a failed liveness check (a spoof) counts as a failed try and is
    # recorded on the task; a cancelled, expired or broken check just ends the attempt.
    if not passed and decision in FAILED_DECISIONS and task.status in CERTIFIABLE_STATUSES:
        task.failed_attempts += 1
        task.save(update_fields=["failed_attempts", "updated_at"])
        TaskTransition.objects.create(
            task=task,
            action=TaskAction.ATTEMPT_FAILED,
            from_status=task.status,
            to_status=task.status,
            path=attempt.path,
            payment_status=task.payment_status,
            actor=attempt.actor,
            role=Role.PENSIONER if attempt.path == Path.FACE else Role.AGENT,
            comment=decision,
        )
        if attempt.path == Path.FACE:
            # The pensioner tried themself: the message lists the other ways. A family agent
            # saw the result on their page; the pensioner is not alarmed by their try.
            _tell(task, messages.ATTEMPT_FAILED)
    return attempt


def on_face_check_completed(sender, face_check, **kwargs) -> None:
    """``identity.signals.face_check_completed`` receiver (connected in ``BenefitsConfig.ready``)."""
    face_check_finished(face_check=face_check)


# --- Officials: in person, home visits, suspension, exemption ------------------------------------


def task_certify_in_person(*, task_id: int, actor, path: str = Path.HALL, comment: str = "") -> CertificationTask:
    """An official records an in-person certification (at a service hall, or at home)."""
    _require(actor, HANDLE_PERMISSION)
    if path not in OFFICIAL_PATHS:
        raise _refuse(_("认证方式无效。"), "path_invalid")
    comment = _note(comment)
    with transaction.atomic():
        task = _lock_task(task_id)
        return _certify(task, path=path, actor=actor, role=Role.OFFICIAL, comment=comment)


def home_visit_request(*, task_id: int, user, address: str, phone: str, preferred_time: str = "") -> HomeVisitRequest:
    """The pensioner (or their family agent) asks for a home visit. Asking again while one is
    open returns it with the new details."""
    from identity.validators import normalize_mobile

    address = (address or "").strip()
    if not address:
        raise _refuse(_("请填写上门地址。"), "address_required")
    if len(address) > 200:
        raise _refuse(_("地址过长。"), "address_too_long")
    phone = (phone or "").strip()
    if not phone:
        raise _refuse(_("请填写联系电话。"), "phone_required")
    if len(phone) > 20 or not all(char.isdigit() or char in "-+ " for char in phone):
        raise _refuse(_("联系电话格式不正确。"), "phone_invalid")
    with contextlib.suppress(ValidationError):  # a landline stays as typed
        phone = normalize_mobile(phone)
    preferred_time = (preferred_time or "").strip()[:100]
    with transaction.atomic():
        task = _lock_task(task_id)
        role = resident_role(task=task, user=user)
        _check_certifiable(task)
        if role == Role.AGENT:
            act_on_behalf(
                actor=user,
                action=ACTION_VISIT_REQUEST_FOR,
                service_code=PENSION_CERTIFICATION_SERVICE_CODE,
                principal_user=beneficiary_account(task.beneficiary),
                object_reference=f"benefits.task:{task.pk}",
            )
        visit = HomeVisitRequest.objects.select_for_update().filter(task=task, status=VisitStatus.REQUESTED).first()
        if visit is not None:
            visit.address, visit.phone, visit.preferred_time = address, phone, preferred_time
            visit.save(update_fields=["address", "phone", "preferred_time", "updated_at"])
            return visit
        return HomeVisitRequest.objects.create(
            task=task, requested_by=user, address=address, phone=phone, preferred_time=preferred_time
        )


def home_visit_record(*, visit_id: int, actor, outcome: str, note: str = "") -> HomeVisitRequest:
    """An official records a home visit; a "certified" outcome certifies the task (path home_visit)."""
    _require(actor, HANDLE_PERMISSION)
    if outcome not in VisitOutcome.values:
        raise _refuse(_("请选择上门结果。"), "outcome_required")
    note = _note(note, required=outcome == VisitOutcome.NOT_CERTIFIED, label=_("上门情况"))
    with transaction.atomic():
        visit = HomeVisitRequest.objects.select_for_update().filter(pk=visit_id).first()
        if visit is None:
            raise _refuse(_("没有找到该上门认证申请。"), "visit_not_found", HTTPStatus.NOT_FOUND)
        if visit.status != VisitStatus.REQUESTED:
            if visit.status == outcome:
                return visit  # a repeated request
            raise _refuse(_("该上门认证已记录。"), "visit_recorded", HTTPStatus.CONFLICT)
        task = _lock_task(visit.task_id)
        if outcome == VisitOutcome.CERTIFIED:
            _certify(task, path=Path.HOME_VISIT, actor=actor, role=Role.OFFICIAL, comment=note or _("上门认证"))
        visit.status = VisitStatus(outcome)
        visit.visited_by, visit.visited_at, visit.outcome_note = actor, timezone.now(), note
        visit.save(update_fields=["status", "visited_by", "visited_at", "outcome_note", "updated_at"])
        return visit


def task_suspend(*, task_id: int, actor, comment: str = "") -> CertificationTask:
    """An official confirms the suspension of a flagged pensioner's payment."""
    _require(actor, HANDLE_PERMISSION)
    comment = _note(comment)
    with transaction.atomic():
        task = _lock_task(task_id)
        if task.status == TaskStatus.SUSPENDED:
            return task
        _move_task(
            task,
            action=TaskAction.SUSPEND,
            to_status=TaskStatus.SUSPENDED,
            actor=actor,
            role=Role.OFFICIAL,
            comment=comment,
            fields={"payment_status": PaymentStatus.SUSPENDED},
        )
        _tell(task, messages.SUSPENDED)
        return task


def task_exempt(*, task_id: int, actor, reason: str, note: str = "", proof=None) -> CertificationTask:
    """An official exempts a flagged (or suspended) pensioner, with the reason (hospital stay,
    abroad with proof, other) and an optional proof file; a suspended payment resumes."""
    _require(actor, HANDLE_PERMISSION)
    if reason not in ExemptionReason.values:
        raise _refuse(_("请选择豁免原因。"), "reason_required")
    note = _note(note, required=reason == ExemptionReason.OTHER, label=_("豁免说明"))
    checked = check_upload(proof) if proof else None
    if reason == ExemptionReason.ABROAD and checked is None:
        raise _refuse(_("出境居住豁免须上传证明材料。"), "proof_required")
    with transaction.atomic():
        task = _lock_task(task_id)
        if task.status == TaskStatus.EXEMPTED:
            return task
        fields = {"exemption_reason": reason, "exemption_note": note}
        if task.payment_status == PaymentStatus.SUSPENDED:
            fields["payment_status"] = PaymentStatus.RESUMED
        if checked is not None:
            from django.core.files.base import ContentFile

            task.exemption_proof.save("proof", ContentFile(checked.content), save=False)
            fields["exemption_proof"] = task.exemption_proof.name
            fields["exemption_proof_type"] = checked.content_type
            # Should anything below fail, the transaction rolls back: remove the file it named.
            stored = task.exemption_proof.name
        try:
            _move_task(
                task,
                action=TaskAction.EXEMPT,
                to_status=TaskStatus.EXEMPTED,
                actor=actor,
                role=Role.OFFICIAL,
                comment=f"{ExemptionReason(reason).label}{'：' + note if note else ''}",
                fields=fields,
            )
            _tell(task, messages.EXEMPTED, {"reason": ExemptionReason(reason).label})
        except Exception:
            if checked is not None:
                task.exemption_proof.storage.delete(stored)
            raise
        return task


# --- Reminders -----------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    sent: dict[str, int] = field(default_factory=dict)
    without_channel: int = 0


def reminders_send(*, today: datetime.date | None = None, batch: int = 500) -> ReminderRun:
    """Send the due reminder of every open campaign to its pending tasks, once per task and kind.

    The kind due on ``today`` is the latest of start (``window_start``), midway, and final
    (``BENEFITS_FINAL_REMINDER_DAYS`` before ``window_end``) whose date has come; an earlier
    kind missed (beat down) is not sent once a later one is due. Each reminder is a
    ``ReminderSent`` row, unique per (task, kind), written in the same transaction as its
    outbox rows under the task's lock: running this again, or twice at once, sends nothing twice.
    """
    today = today or timezone.localdate()
    run = ReminderRun()
    for campaign in Campaign.objects.filter(
        status=CampaignStatus.OPEN, window_start__lte=today, window_end__gte=today
    ).order_by("pk"):
        kind = reminder_due(campaign, today)
        if kind is None:
            continue
        after = 0
        while True:  # in batches, to the end of the list: a campaign may have tens of thousands
            task_ids = list(
                CertificationTask.objects.filter(campaign=campaign, status=TaskStatus.PENDING, pk__gt=after)
                .exclude(reminders__kind=kind)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not task_ids:
                break
            for task_id in task_ids:
                if _remind(task_id=task_id, kind=kind, campaign=campaign, days_left=(campaign.window_end - today).days):
                    run.sent[kind] = run.sent.get(kind, 0) + 1
            after = task_ids[-1]
    return run


def _remind(*, task_id: int, kind: str, campaign: Campaign, days_left: int) -> bool:
    try:
        with transaction.atomic():
            task = (
                CertificationTask.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("beneficiary")
                .filter(pk=task_id, status=TaskStatus.PENDING)
                .first()
            )
            if task is None or ReminderSent.objects.filter(task=task, kind=kind).exists():
                return False
            task.campaign = campaign
            told = _tell(task, messages.REMINDER, {"kind": ReminderKind(kind).value, "days_left": days_left})
            ReminderSent.objects.create(task=task, kind=kind, sms=told.sms, inbox=told.inbox)
            return True
    except IntegrityError:  # another run recorded it first
        return False


# --- Import --------------------------------------------------------------------------------------


@transaction.atomic
def beneficiary_upsert(
    *, name: str, id_number: str, mobile: str, region_code: str, pension_account: str
) -> Beneficiary:
    """The pensioner with this (valid, normalised) ID number, created or updated with the given details."""
    from identity.personal_data import id_number_columns

    columns = id_number_columns(id_number)
    beneficiary = Beneficiary.objects.select_for_update().filter(id_number_digest=columns["id_number_digest"]).first()
    details = {"name": name, "mobile": mobile, "region_code": region_code, "pension_account": pension_account}
    if beneficiary is None:
        return Beneficiary.objects.create(**columns, **details)
    changed = [key for key, value in details.items() if getattr(beneficiary, key) != value]
    for key in changed:
        setattr(beneficiary, key, details[key])
    if changed:
        beneficiary.save(update_fields=[*changed, "updated_at"])
    return beneficiary


@transaction.atomic
def task_create(*, campaign: Campaign, beneficiary: Beneficiary, actor=None) -> CertificationTask:
    """A pending task for ``beneficiary`` in ``campaign``, with its first transition record."""
    task = CertificationTask.objects.create(campaign=campaign, beneficiary=beneficiary)
    _creation_record(task, actor=actor).save()
    return task


def _creation_record(task: CertificationTask, *, actor) -> TaskTransition:
    """The (unsaved) transition record of a task's creation, by an official or the system."""
    return TaskTransition(
        task=task,
        action=TaskAction.CREATE,
        from_status="",
        to_status=TaskStatus.PENDING,
        payment_status=task.payment_status,
        actor=actor,
        role=Role.OFFICIAL if actor is not None else Role.SYSTEM,
    )


ENROL_CHUNK = 2000
_BENEFICIARY_DETAILS = ("name", "mobile", "region_code", "pension_account")


def beneficiaries_enrol(*, campaign: Campaign, people: list[dict], actor=None) -> int:
    """Create or update the pensioners of ``people`` (checked rows: ``name``, ``id_number``,
    ``mobile``, ``region_code``, ``pension_account``, no ID number twice) and give each a
    pending task in ``campaign`` with its first transition record, as :func:`beneficiary_upsert`
    and :func:`task_create` do one at a time, but a few queries per chunk of
    ``ENROL_CHUNK`` rows (an import may hold 50,000). Runs in the caller's transaction,
    which holds the campaign's lock. Returns how many tasks were created.
    """
    from identity.personal_data import id_number_columns

    created = 0
    for start in range(0, len(people), ENROL_CHUNK):
        chunk = [(person, id_number_columns(person["id_number"])) for person in people[start : start + ENROL_CHUNK]]
        existing = {
            beneficiary.id_number_digest: beneficiary
            for beneficiary in Beneficiary.objects.select_for_update().filter(
                id_number_digest__in=[columns["id_number_digest"] for _person, columns in chunk]
            )
        }
        now = timezone.now()
        beneficiaries, new, changed = [], [], []
        for person, columns in chunk:
            details = {key: person[key] for key in _BENEFICIARY_DETAILS}
            beneficiary = existing.get(columns["id_number_digest"])
            if beneficiary is None:
                beneficiary = Beneficiary(**columns, **details)
                new.append(beneficiary)
            elif any(getattr(beneficiary, key) != value for key, value in details.items()):
                for key, value in details.items():
                    setattr(beneficiary, key, value)
                beneficiary.updated_at = now
                changed.append(beneficiary)
            beneficiaries.append(beneficiary)
        Beneficiary.objects.bulk_create(new)
        Beneficiary.objects.bulk_update(changed, [*_BENEFICIARY_DETAILS, "updated_at"])
        tasks = CertificationTask.objects.bulk_create(
            [CertificationTask(campaign=campaign, beneficiary=beneficiary) for beneficiary in beneficiaries]
        )
        TaskTransition.objects.bulk_create([_creation_record(task, actor=actor) for task in tasks])
        created += len(tasks)
    return created
