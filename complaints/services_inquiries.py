"""Inquiries, complaints, suggestions and reports (咨询投诉): every write is here.

:func:`inquiry_submit` checks the submission and its attachments (like
application uploads) before anything is written, stores it with an answer
deadline in working days (``INQUIRY_ANSWER_WORKING_DAYS`` for its kind, on the
applications' calendar) and routes it (:func:`complaints.selectors_inquiries.routing_for`).

Every later change (assign, transfer, send back, answer, reopen, close, escalate)
goes through :func:`_move`: the row is locked first, the move is checked against
``INQUIRY_TRANSITIONS`` and the actor's role, a repeated request changes nothing,
and an :class:`~complaints.models.InquiryTransition` is appended. Messages leave
through the notifications outbox, in the same transaction.

Transfers are limited so nothing bounces forever: at most ``INQUIRY_MAX_TRANSFERS``,
never back to a department that already held the item; a department may instead
send it back to the dispatch centre once, and the centre's assignment is final.
"""

import datetime
import logging
import secrets
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import WorkingCalendar, add_working_days
from applications.constants import ScanStatus
from applications.scanning import clamd_scan
from applications.selectors import official_department_ids, resident_may_view
from applications.uploads import check_upload, save_with_file
from common.exceptions import ApplicationError
from common.i18n import lazy_display_name
from identity.selectors_enterprises import enterprises_for_user
from identity.validators import normalize_mobile
from notifications.services import notify
from services.models import Department

from . import selectors_inquiries as selectors
from .constants import (
    INQUIRY_OPEN_STATUSES,
    KIND_PREFIX,
    InquiryAction,
    InquiryRole,
    InquiryStatus,
    Kind,
    inquiry_transition_roles,
)
from .models import Inquiry, InquiryAttachment, InquiryTransition

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 100
CONTENT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000
# Query codes avoid letters and digits that read alike (0/O, 1/I/L).
_QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_QUERY_CODE_LENGTH = 8


def _refuse(message, code: str, status: int = HTTPStatus.BAD_REQUEST) -> ApplicationError:
    return ApplicationError(message, code=code, status=status)


def _text(value, *, field_label, max_length: int, code: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _refuse(_("请填写%(field)s。") % {"field": field_label}, f"{code}_required")
    if len(value) > max_length:
        raise _refuse(
            _("%(field)s不能超过 %(max)d 个字。") % {"field": field_label, "max": max_length}, f"{code}_too_long"
        )
    return value


def answer_deadline(*, kind: str, start: datetime.date):
    """The answer deadline for ``kind`` counted from ``start`` (a :class:`~applications.calendar.Deadline`)."""
    return add_working_days(start, settings.INQUIRY_ANSWER_WORKING_DAYS[kind])


# --- Submission ---------------------------------------------------------------------------


def _new_reference(kind: str, today: datetime.date) -> str:
    return f"{KIND_PREFIX[kind]}{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _new_query_code() -> str:
    return "".join(secrets.choice(_QUERY_CODE_ALPHABET) for _i in range(_QUERY_CODE_LENGTH))


def inquiry_submit(
    *,
    kind: str,
    subject: str,
    content: str,
    submitter=None,
    anonymous: bool = False,
    enterprise=None,
    category=None,
    service_item=None,
    about_department=None,
    application=None,
    region_code: str = "",
    contact_phone: str = "",
    attachments=(),
) -> tuple[Inquiry, str]:
    """Store a resident's or enterprise's inquiry, complaint, suggestion or report and route it.

    Answers the inquiry and its query code (查询码), shown to the submitter once: it is
    the only way back to an anonymous report. Only a report may be anonymous, and then
    nothing that names the reporter is kept (no account, enterprise, phone or case).
    Every check, the attachments' included, runs before anything is written.
    """
    if kind not in Kind.values:
        raise _refuse(_("请选择诉求类型。"), "invalid_kind")
    subject = _text(subject, field_label=_("标题"), max_length=SUBJECT_MAX_LENGTH, code="subject")
    content = _text(content, field_label=_("内容"), max_length=CONTENT_MAX_LENGTH, code="content")
    if anonymous and kind != Kind.REPORT:
        raise _refuse(_("只有举报可以匿名提交。"), "anonymous_not_allowed")
    if anonymous:
        submitter = enterprise = application = None
        contact_phone = ""
    elif submitter is None:
        raise _refuse(_("请先登录后提交。"), "login_required", HTTPStatus.UNAUTHORIZED)
    if contact_phone:
        try:
            contact_phone = normalize_mobile(contact_phone)
        except ValidationError:
            raise _refuse(_("请输入11位中国大陆手机号码。"), "invalid_phone") from None
    if enterprise is not None and not enterprises_for_user(user=submitter).filter(pk=enterprise.pk).exists():
        raise _refuse(_("您不能以该企业的名义提交。"), "enterprise_not_allowed", HTTPStatus.FORBIDDEN)
    if application is not None and not resident_may_view(user=submitter, application=application):
        raise _refuse(_("未找到该办件。"), "application_not_found", HTTPStatus.NOT_FOUND)
    if len(attachments) > settings.INQUIRY_MAX_ATTACHMENTS:
        raise _refuse(
            _("附件不能超过 %(max)d 个。") % {"max": settings.INQUIRY_MAX_ATTACHMENTS}, "too_many_attachments"
        )
    checked = [check_upload(upload) for upload in attachments]

    if application is not None and service_item is None:
        service_item = application.service_item
    source = application.department if application is not None and application.department_id else None
    source = source or (service_item.department if service_item is not None else None) or about_department
    region_code = source.region_code if source is not None else (region_code or "").strip()[:12]
    routing = selectors.routing_for(
        kind=kind,
        category_id=category.pk if category is not None else None,
        service_item=service_item,
        about_department_id=about_department.pk if about_department is not None else None,
        application=application,
        region_code=region_code,
    )
    now = timezone.now()
    today = timezone.localdate(now)
    deadline = answer_deadline(kind=kind, start=today)
    query_code = _new_query_code()
    scan_status = ScanStatus.PENDING if settings.CLAMD_ADDRESS else ScanStatus.NOT_SCANNED
    # One transaction: a failure anywhere (an attachment's storage, the routing) leaves nothing behind.
    with transaction.atomic():
        for _attempt in range(5):
            reference = _new_reference(kind, today)
            try:
                with transaction.atomic():
                    inquiry = Inquiry.objects.create(
                        reference=reference,
                        kind=kind,
                        category=category,
                        subject=subject,
                        content=content,
                        submitter=submitter,
                        enterprise=enterprise,
                        anonymous=anonymous,
                        query_code_hash=selectors.query_code_hash(reference=reference, query_code=query_code),
                        contact_phone=contact_phone,
                        service_item=service_item,
                        about_department=about_department,
                        application=application,
                        region_code=region_code,
                        due_date=deadline.date,
                        due_provisional=deadline.provisional,
                        created_at=now,
                    )
                    break
            except IntegrityError:
                continue  # the random reference was taken: draw another
        else:
            raise _refuse(_("系统繁忙，请稍后再试。"), "reference_exhausted", HTTPStatus.SERVICE_UNAVAILABLE)

        InquiryTransition.objects.create(
            inquiry=inquiry,
            action=InquiryAction.SUBMIT,
            from_status="",
            to_status=InquiryStatus.RECEIVED,
            actor=submitter,
            role=InquiryRole.RESIDENT,
            created_at=now,
        )
        for upload in checked:
            attachment = InquiryAttachment(
                inquiry=inquiry,
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=len(upload.content),
                sha256=upload.sha256,
                scan_status=scan_status,
            )
            save_with_file(attachment, upload.content)
            if scan_status == ScanStatus.PENDING:
                transaction.on_commit(lambda pk=attachment.pk: attachment_scan_queue(attachment_id=pk))
        if routing.department_id is not None:
            _move(
                inquiry=inquiry,
                action=InquiryAction.ROUTE,
                to_status=InquiryStatus.ASSIGNED,
                actor=None,
                role=InquiryRole.SYSTEM,
                comment=_routing_comment(routing),
                to_department_id=routing.department_id,
            )
            inquiry.routing_rule = routing.rule
            inquiry.save(update_fields=["routing_rule"])
    return inquiry, query_code


def _routing_comment(routing: selectors.Routing) -> str:
    if routing.rule is not None:
        return _("按分派规则 #%(id)d 分派") % {"id": routing.rule.pk}
    return {
        "application": _("按所涉办件的承办部门分派"),
        "service_item": _("按所涉事项的实施部门分派"),
        "department": _("按所涉部门分派"),
    }[routing.reason]


# --- Moves --------------------------------------------------------------------------------


def _lock(inquiry_id: int) -> Inquiry:
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("submitter", "department", "service_item")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None:
        raise _refuse(_("未找到该诉求。"), "not_found", HTTPStatus.NOT_FOUND)
    return inquiry


def _not_allowed(inquiry: Inquiry, to_status: str) -> ApplicationError:
    return _refuse(
        _("该诉求当前状态（%(status)s）不能变为“%(to)s”。")
        % {"status": inquiry.get_status_display(), "to": InquiryStatus(to_status).label},
        "transition_not_allowed",
        HTTPStatus.CONFLICT,
    )


def _official_role(*, inquiry: Inquiry, actor, roles: frozenset[str]) -> str:
    """The role ``actor`` acts in: the dispatch centre holds ``complaints.dispatch_inquiry``; the
    department is an official of the item's department with ``complaints.handle_inquiry``."""
    if InquiryRole.DISPATCHER in roles and actor.has_perm("complaints.dispatch_inquiry"):
        return InquiryRole.DISPATCHER
    if (
        InquiryRole.DEPARTMENT in roles
        and actor.has_perm("complaints.handle_inquiry")
        and (actor.is_superuser or inquiry.department_id in official_department_ids(user=actor))
    ):
        return InquiryRole.DEPARTMENT
    raise _refuse(_("您无权进行该操作。"), "permission_denied", HTTPStatus.FORBIDDEN)


def _check_resident(*, inquiry: Inquiry, user=None, query_code: str = "") -> None:
    """The submitter (signed in), or whoever holds the query code (an anonymous reporter)."""
    if user is not None and user.is_authenticated and inquiry.submitter_id == user.pk:
        return
    if query_code and selectors.inquiry_by_query_code(reference=inquiry.reference, query_code=query_code):
        return
    raise _refuse(_("未找到该诉求。"), "not_found", HTTPStatus.NOT_FOUND)


def _move(
    *,
    inquiry: Inquiry,
    action: str,
    to_status: str,
    actor,
    role: str,
    comment: str = "",
    to_department_id: int | None = None,
    fields: dict | None = None,
) -> Inquiry:
    """Apply one checked move to a locked inquiry and record it."""
    if role not in inquiry_transition_roles(inquiry.status, to_status):
        raise _not_allowed(inquiry, to_status)
    now = timezone.now()
    from_status, from_department_id = inquiry.status, inquiry.department_id
    changed = {"status": to_status, **(fields or {})}
    if to_department_id is not None or action == InquiryAction.SEND_BACK:
        changed["department_id"] = to_department_id
    for name, value in changed.items():
        setattr(inquiry, name, value)
    inquiry.save(update_fields=[*changed, "updated_at"])
    InquiryTransition.objects.create(
        inquiry=inquiry,
        action=action,
        from_status=from_status,
        to_status=to_status,
        from_department_id=from_department_id,
        to_department_id=inquiry.department_id,
        actor=actor,
        role=role,
        comment=comment,
        created_at=now,
    )
    return inquiry


def inquiry_assign(*, inquiry_id: int, department: Department, actor, comment: str = "") -> Inquiry:
    """The dispatch centre assigns a received item to ``department``. Its choice is final: a
    department cannot transfer or send back what the centre assigned after a send-back."""
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        if inquiry.status == InquiryStatus.ASSIGNED and inquiry.department_id == department.pk:
            return inquiry  # a repeated request
        if inquiry.status != InquiryStatus.RECEIVED:
            raise _not_allowed(inquiry, InquiryStatus.ASSIGNED)
        role = _official_role(inquiry=inquiry, actor=actor, roles=frozenset({InquiryRole.DISPATCHER}))
        return _move(
            inquiry=inquiry,
            action=InquiryAction.ASSIGN,
            to_status=InquiryStatus.ASSIGNED,
            actor=actor,
            role=role,
            comment=(comment or "").strip()[:NOTE_MAX_LENGTH],
            to_department_id=department.pk,
        )


def inquiry_transfer(*, inquiry_id: int, department: Department, actor, reason: str) -> Inquiry:
    """The handling department passes the item to ``department`` (转办), with a reason.

    Refused after ``INQUIRY_MAX_TRANSFERS`` transfers, towards a department that already
    held it, and for an item the dispatch centre assigned after a send-back. The answer
    deadline does not move: a transfer buys no time.
    """
    reason = _text(reason, field_label=_("转办理由"), max_length=NOTE_MAX_LENGTH, code="reason")
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        role = _official_role(inquiry=inquiry, actor=actor, roles=frozenset({InquiryRole.DEPARTMENT}))
        if inquiry.status != InquiryStatus.ASSIGNED:
            raise _not_allowed(inquiry, InquiryStatus.ASSIGNED)
        if department.pk in selectors.departments_handled(inquiry=inquiry):
            raise _refuse(_("该部门已办理过此诉求，不能转回。"), "already_handled", HTTPStatus.CONFLICT)
        if inquiry.sent_back:
            raise _refuse(
                _("此诉求由统一受理中心重新分派，不能再转办，请直接办理。"), "dispatch_final", HTTPStatus.CONFLICT
            )
        if inquiry.transfer_count >= settings.INQUIRY_MAX_TRANSFERS:
            raise _refuse(
                _("此诉求已转办 %(count)d 次，达到上限；如确非本部门职责，请退回统一受理中心。")
                % {"count": inquiry.transfer_count},
                "transfer_limit",
                HTTPStatus.CONFLICT,
            )
        inquiry = _move(
            inquiry=inquiry,
            action=InquiryAction.TRANSFER,
            to_status=InquiryStatus.ASSIGNED,
            actor=actor,
            role=role,
            comment=reason,
            to_department_id=department.pk,
            fields={"transfer_count": inquiry.transfer_count + 1},
        )
    return inquiry


def inquiry_send_back(*, inquiry_id: int, actor, reason: str) -> Inquiry:
    """The handling department returns the item to the dispatch centre (退回分派), once."""
    reason = _text(reason, field_label=_("退回理由"), max_length=NOTE_MAX_LENGTH, code="reason")
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        role = _official_role(inquiry=inquiry, actor=actor, roles=frozenset({InquiryRole.DEPARTMENT}))
        if inquiry.status != InquiryStatus.ASSIGNED:
            raise _not_allowed(inquiry, InquiryStatus.RECEIVED)
        if inquiry.sent_back:
            raise _refuse(_("此诉求已退回过一次，不能再退回，请直接办理。"), "sent_back_once", HTTPStatus.CONFLICT)
        return _move(
            inquiry=inquiry,
            action=InquiryAction.SEND_BACK,
            to_status=InquiryStatus.RECEIVED,
            actor=actor,
            role=role,
            comment=reason,
            to_department_id=None,
            fields={"sent_back": True},
        )


def inquiry_answer(*, inquiry_id: int, actor, answer: str) -> Inquiry:
    """The handling department answers (答复); the submitter is told through the outbox."""
    answer = _text(answer, field_label=_("答复内容"), max_length=NOTE_MAX_LENGTH, code="answer")
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        if inquiry.status == InquiryStatus.ANSWERED and inquiry.answer == answer:
            return inquiry  # a repeated request
        role = _official_role(inquiry=inquiry, actor=actor, roles=frozenset({InquiryRole.DEPARTMENT}))
        inquiry = _move(
            inquiry=inquiry,
            action=InquiryAction.ANSWER,
            to_status=InquiryStatus.ANSWERED,
            actor=actor,
            role=role,
            comment=answer,
            fields={"answer": answer, "answered_at": timezone.now()},
        )
        if inquiry.submitter_id is not None:
            notify(
                user=inquiry.submitter,
                template="complaints.inquiry_answered",
                context={
                    "reference": inquiry.reference,
                    "kind": Kind(inquiry.kind).label,
                    "subject": inquiry.subject,
                    "department": lazy_display_name(inquiry.department),
                },
                link=f"/my/inquiries/{inquiry.reference}/",
            )
    return inquiry


def reopen_deadline(inquiry: Inquiry) -> datetime.date | None:
    """The last day the resident may reopen an answered item; None if it was never answered."""
    if inquiry.answered_at is None:
        return None
    return add_working_days(timezone.localdate(inquiry.answered_at), settings.INQUIRY_REOPEN_WORKING_DAYS).date


def may_reopen(inquiry: Inquiry, *, today: datetime.date | None = None) -> bool:
    last_day = reopen_deadline(inquiry)
    return (
        inquiry.status == InquiryStatus.ANSWERED
        and inquiry.reopen_count < settings.INQUIRY_MAX_REOPENS
        and last_day is not None
        and (today or timezone.localdate()) <= last_day
    )


def inquiry_reopen(*, inquiry_id: int, reason: str, user=None, query_code: str = "") -> Inquiry:
    """The resident is not satisfied with the answer and reopens it, within
    ``INQUIRY_REOPEN_WORKING_DAYS`` of the answer and at most ``INQUIRY_MAX_REOPENS`` times.
    The department gets a fresh answer deadline."""
    reason = _text(reason, field_label=_("不满意的原因"), max_length=NOTE_MAX_LENGTH, code="reason")
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        _check_resident(inquiry=inquiry, user=user, query_code=query_code)
        if inquiry.status == InquiryStatus.REOPENED:
            return inquiry  # a repeated request
        if inquiry.status == InquiryStatus.ANSWERED and not may_reopen(inquiry):
            raise _refuse(_("已超过可申请重新办理的期限或次数。"), "reopen_closed", HTTPStatus.CONFLICT)
        deadline = answer_deadline(kind=inquiry.kind, start=timezone.localdate())
        return _move(
            inquiry=inquiry,
            action=InquiryAction.REOPEN,
            to_status=InquiryStatus.REOPENED,
            actor=user if inquiry.submitter_id else None,
            role=InquiryRole.RESIDENT,
            comment=reason,
            fields={
                "reopen_count": inquiry.reopen_count + 1,
                "satisfied": False,
                "due_date": deadline.date,
                "due_provisional": deadline.provisional,
                "escalation_level": 0,
                "escalated_at": None,
            },
        )


def inquiry_close(*, inquiry_id: int, satisfied: bool, user=None, query_code: str = "", comment: str = "") -> Inquiry:
    """The resident accepts the answer and closes the item, saying whether they are satisfied."""
    comment = (comment or "").strip()[:NOTE_MAX_LENGTH]
    with transaction.atomic():
        inquiry = _lock(inquiry_id)
        _check_resident(inquiry=inquiry, user=user, query_code=query_code)
        if inquiry.status == InquiryStatus.CLOSED:
            return inquiry
        return _move(
            inquiry=inquiry,
            action=InquiryAction.CLOSE,
            to_status=InquiryStatus.CLOSED,
            actor=user if inquiry.submitter_id else None,
            role=InquiryRole.RESIDENT,
            comment=comment,
            fields={"satisfied": bool(satisfied), "closed_at": timezone.now()},
        )


# --- Scheduled work -----------------------------------------------------------------------


def inquiries_escalate_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Run by beat: escalate overdue items and close answers nobody reopened in time.

    An open item past its deadline is escalated to its department's officials (level 1); one
    still unanswered ``INQUIRY_ESCALATE_TO_DISPATCH_AFTER_WORKING_DAYS`` working days later,
    to the dispatch centre (level 2). An unassigned overdue item goes to the centre at once.
    Each level is reached once per deadline (a reopened item starts again), each row locked
    and re-checked, so overlapping runs change nothing twice.
    """
    today = today or timezone.localdate()
    calendar = WorkingCalendar(first_year=today.year - 1, last_year=today.year)
    second_after = settings.INQUIRY_ESCALATE_TO_DISPATCH_AFTER_WORKING_DAYS
    escalated = 0
    overdue_ids = list(
        Inquiry.objects.filter(status__in=INQUIRY_OPEN_STATUSES, due_date__lt=today, escalation_level__lt=2)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    # Read once per run, not once per overdue item: the dispatch centre is the same for all,
    # and a department's officials the same for all its items.
    dispatch_centre = list(selectors.dispatchers()) if overdue_ids else []
    officials_by_department: dict[int, list] = {}
    for inquiry_id in overdue_ids:
        with transaction.atomic():
            inquiry = _lock(inquiry_id)
            if inquiry.status not in INQUIRY_OPEN_STATUSES or inquiry.due_date >= today:
                continue
            late_by = calendar.working_days_between(inquiry.due_date, today)
            level = 2 if (late_by > second_after or inquiry.department_id is None) else 1
            if level <= inquiry.escalation_level:
                continue
            _escalate(
                inquiry=inquiry,
                level=level,
                late_by=late_by,
                dispatch_centre=dispatch_centre,
                officials_by_department=officials_by_department,
            )
            escalated += 1
    closed = 0
    answered = Inquiry.objects.filter(status=InquiryStatus.ANSWERED, answered_at__isnull=False).order_by("pk")
    for inquiry_id, answered_at in answered.values_list("pk", "answered_at")[:1000]:
        last_day = add_working_days(
            timezone.localdate(answered_at), settings.INQUIRY_REOPEN_WORKING_DAYS, calendar=calendar
        ).date
        if last_day >= today:
            continue
        with transaction.atomic():
            inquiry = _lock(inquiry_id)
            if inquiry.status != InquiryStatus.ANSWERED:
                continue
            _move(
                inquiry=inquiry,
                action=InquiryAction.CLOSE,
                to_status=InquiryStatus.CLOSED,
                actor=None,
                role=InquiryRole.SYSTEM,
                comment=_("答复后期限内未申请重新办理，自动办结"),
                fields={"closed_at": timezone.now()},
            )
            closed += 1
    return {"escalated": escalated, "closed": closed, "scans_queued": attachments_scan_sweep()}


def _escalate(
    *, inquiry: Inquiry, level: int, late_by: int, dispatch_centre: list, officials_by_department: dict[int, list]
) -> None:
    now = timezone.now()
    to_dispatch = level >= 2
    comment = (
        _("超期 %(days)d 个工作日未答复，已提请统一受理中心督办") % {"days": late_by}
        if to_dispatch
        else _("已超过答复期限，督促承办部门办理")
    )
    inquiry.escalation_level, inquiry.escalated_at = level, now
    inquiry.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    InquiryTransition.objects.create(
        inquiry=inquiry,
        action=InquiryAction.ESCALATE,
        from_status=inquiry.status,
        to_status=inquiry.status,
        from_department_id=inquiry.department_id,
        to_department_id=inquiry.department_id,
        role=InquiryRole.SYSTEM,
        comment=comment,
        created_at=now,
    )
    recipients = list(dispatch_centre) if to_dispatch else []
    if inquiry.department_id is not None:
        if inquiry.department_id not in officials_by_department:
            officials_by_department[inquiry.department_id] = list(
                selectors.department_officials(department_id=inquiry.department_id)
            )
        recipients += officials_by_department[inquiry.department_id]
    context = {
        "reference": inquiry.reference,
        "kind": Kind(inquiry.kind).label,
        "due_date": inquiry.due_date.isoformat(),
        "days": late_by,
    }
    for user in {user.pk: user for user in recipients}.values():
        notify(
            user=user,
            template="complaints.inquiry_escalated",
            context=context,
            link=f"/admin/complaints/inquiry/{inquiry.pk}/change/",
        )


# --- Attachment scanning ------------------------------------------------------------------


def attachment_scan(*, attachment_id: int) -> str:
    """Scan one pending attachment with clamd; an infected file is deleted and marked so.
    Raises ``OSError`` when clamd is unreachable (the task retries; the sweeper catches the rest)."""
    with transaction.atomic():
        attachment = InquiryAttachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.scan_status != ScanStatus.PENDING:
            return "skipped"
        with attachment.file.open("rb") as handle:
            signature = clamd_scan(handle.read(), address=settings.CLAMD_ADDRESS)
        if signature:
            attachment.file.delete(save=False)
            logger.warning("attachment %s infected (%s); file deleted", attachment_id, signature)
        attachment.scan_status = ScanStatus.INFECTED if signature else ScanStatus.CLEAN
        attachment.save(update_fields=["scan_status", "file"])
        return attachment.scan_status


def attachment_scan_queue(*, attachment_id: int) -> bool:
    """Queue an attachment's scan after the commit that stored it. If the broker is down, the
    beat task's sweep (:func:`attachments_scan_sweep`) queues it later."""
    from .tasks import scan_attachment

    try:
        scan_attachment.delay(attachment_id)
    except Exception as exc:  # broker unreachable
        logger.warning("scan of attachment %s not queued (%s)", attachment_id, exc.__class__.__name__)
        return False
    return True


def attachments_scan_sweep() -> int:
    """Queue the scans of attachments still pending after ``MALWARE_SCAN_STUCK_AFTER_SECONDS``."""
    if not settings.CLAMD_ADDRESS:
        return 0
    before = timezone.now() - datetime.timedelta(seconds=settings.MALWARE_SCAN_STUCK_AFTER_SECONDS)
    stuck = InquiryAttachment.objects.filter(scan_status=ScanStatus.PENDING, created_at__lte=before)
    return sum(attachment_scan_queue(attachment_id=pk) for pk in stuck.values_list("pk", flat=True)[:500])
