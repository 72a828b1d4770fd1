"""The intermediary marketplace (统一中介超市): every write is here.

Every user action is one function taking the acting user (``actor`` for an agency's or a
buyer's people, ``official`` for the supervising department). Whoever acts for an
enterprise is checked and recorded by :func:`identity.services.acting.act_on_behalf`
under the service code ``marketplace`` (the legal representative, or an agent whose
mandate names it or all services), in the same transaction as the action.

Every state change locks its row, checks the move against one table of
:mod:`marketplace.constants`, does nothing when repeated, saves with ``update_fields``
and appends a transition record. Messages leave through the notifications outbox.

Fairness rules enforced here (and tested in ``marketplace/tests``):

* only a *selectable* agency quotes (:func:`marketplace.selectors.agency_ineligibility`),
  never on its own enterprise's posting, never above the budget, and only before the
  deadline; a quote is revisable until then (every version kept), frozen after;
* a published :class:`~marketplace.models.SelectionResult` is never changed (its table
  is append-only in the database too); only :func:`objection_decide`, upholding an
  objection, appends a new result that supersedes it;
* the random draw's seed is recorded, and its SHA-256 published, when the posting
  opens — before any quote — and the draw is the pure function of
  :mod:`marketplace.draw` over the canonical list of eligible quote ids;
* the contract waits for the objection period and any pending objection; a rating
  needs a confirmed delivery.
"""

import datetime
import logging
import re
import secrets
from http import HTTPStatus

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.constants import ScanStatus
from applications.selectors import resident_may_view
from applications.uploads import check_upload, save_with_file
from common.exceptions import ApplicationError
from common.money import yuan
from identity.services.acting import act_on_behalf, acting_record
from notifications.services import notify

from . import draw, selectors
from .constants import (
    ACTION_AGENCY_REGISTER,
    ACTION_AGENCY_UPDATE,
    ACTION_CONTRACT,
    ACTION_DELIVERY,
    ACTION_OBJECTION,
    ACTION_POSTING_CHANGE,
    ACTION_POSTING_CREATE,
    ACTION_QUALIFICATION_ADD,
    ACTION_QUOTE,
    ACTION_RATING,
    ACTION_SELECT,
    AGENCY_TRANSITIONS,
    POSTING_TRANSITIONS,
    QUALIFICATION_TRANSITIONS,
    SERVICE_CODE,
    AgencyStatus,
    Grade,
    ObjectionStatus,
    PostingStatus,
    QualificationStatus,
    RatingScore,
    Role,
    SelectionMethod,
    allowed_roles,
)
from .models import (
    Agency,
    AgencyService,
    AgencyTransition,
    Contract,
    Objection,
    Posting,
    PostingTransition,
    Qualification,
    QualificationReminder,
    Quote,
    QuoteRevision,
    Rating,
    SelectionResult,
)

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
_PHONE = re.compile(r"^[0-9+()\- ]{7,20}$")

PERM_REVIEW = "marketplace.review_agency"
PERM_DECIDE = "marketplace.decide_objection"

INELIGIBLE_MESSAGES = {
    "agency_not_approved": lambda: _("贵机构尚未通过入驻审核或已被暂停，暂不能参与报价。"),
    "service_not_offered": lambda: _("贵机构未登记提供该类中介服务，请先在机构信息中添加该服务类型。"),
    "qualification_missing": lambda: _("该项目要求的资质贵机构尚未登记，不能报价。"),
    "qualification_not_approved": lambda: _("贵机构该项资质尚未通过审核，不能报价。"),
    "qualification_expired": lambda: _("贵机构该项资质已过期（或尚未生效），不能报价。请办理延续后重新提交资质证书。"),
    "qualification_grade_too_low": lambda: _("贵机构的资质等级低于该项目的要求，不能报价。"),
}


def _refuse(message, code: str, status: int = HTTPStatus.BAD_REQUEST) -> ApplicationError:
    return ApplicationError(message, code=code, status=status)


def _text(value, *, label, max_length: int, code: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _refuse(_("请填写%(field)s。") % {"field": label}, f"{code}_required")
    if len(value) > max_length:
        raise _refuse(_("%(field)s不能超过 %(max)d 个字。") % {"field": label, "max": max_length}, f"{code}_too_long")
    return value


def _amount(value, *, label, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _refuse(_("%(field)s应为大于零的金额。") % {"field": label}, f"{code}_invalid")
    return value


def _official(official, perm: str) -> None:
    if official is None or not official.is_active or not official.is_staff or not official.has_perm(perm):
        raise _refuse(_("您没有处理该事项的权限。"), "permission_denied", HTTPStatus.FORBIDDEN)


def _check_move(table, from_status: str, to_status: str, role: str) -> None:
    if role not in allowed_roles(table, from_status, to_status):
        raise _refuse(_("当前状态下不能进行该操作。"), "transition_not_allowed", HTTPStatus.CONFLICT)


def _agency_recipients(agency: Agency) -> list:
    recipients = [agency.enterprise.legal_representative]
    if agency.registered_by_id != agency.enterprise.legal_representative_id:
        recipients.append(agency.registered_by)
    return recipients


def _notify_agency(agency: Agency, template: str, context: dict) -> None:
    for user in _agency_recipients(agency):
        notify(user=user, template=template, context={"agency": agency.enterprise.name, **context})


# --- Agencies -----------------------------------------------------------------------------


def _lock_agency(agency_id: int) -> Agency:
    agency = Agency.objects.select_for_update(of=("self",)).select_related("enterprise").filter(pk=agency_id).first()
    if agency is None:
        raise _refuse(_("未找到该中介机构。"), "not_found", HTTPStatus.NOT_FOUND)
    return agency


def _move_agency(agency: Agency, *, to_status: str, actor, role: str, comment: str = "", qualification=None) -> None:
    AgencyTransition.objects.create(
        agency=agency,
        qualification=qualification,
        from_status=agency.status if qualification is None else qualification.status,
        to_status=to_status,
        actor=actor,
        role=role,
        comment=comment,
    )


def _contact(contact_name, contact_phone) -> tuple[str, str]:
    contact_name = _text(contact_name, label=_("联系人"), max_length=50, code="contact_name")
    contact_phone = (contact_phone or "").strip()
    if not _PHONE.match(contact_phone):
        raise _refuse(_("请填写有效的联系电话。"), "contact_phone_invalid")
    return contact_name, contact_phone


@transaction.atomic
def agency_register(
    *,
    actor,
    enterprise,
    contact_name: str,
    contact_phone: str,
    description: str = "",
    address: str = "",
    region_code: str = "",
) -> Agency:
    """Register ``enterprise`` as an intermediary agency (入驻申请), or update its details.

    The enterprise must be verified and ``actor`` may act for it. A new agency waits for
    review (``pending``); a rejected one goes back to review with its corrected details;
    an approved one only has its details updated (its status is kept).
    """
    contact_name, contact_phone = _contact(contact_name, contact_phone)
    description = _text(
        description, label=_("机构简介"), max_length=TEXT_MAX_LENGTH, code="description", required=False
    )
    address = _text(address, label=_("办公地址"), max_length=200, code="address", required=False)
    region_code = (region_code or "").strip()[:12]
    existing = Agency.objects.select_for_update().filter(enterprise=enterprise).first()
    act_on_behalf(
        actor=actor,
        action=ACTION_AGENCY_UPDATE if existing else ACTION_AGENCY_REGISTER,
        service_code=SERVICE_CODE,
        enterprise=enterprise,
        object_reference=f"agency:{existing.pk}" if existing else "agency:new",
    )
    details = {
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "description": description,
        "address": address,
        "region_code": region_code,
    }
    if existing is None:
        agency = Agency.objects.create(enterprise=enterprise, registered_by=actor, **details)
        AgencyTransition.objects.create(
            agency=agency, from_status="", to_status=AgencyStatus.PENDING, actor=actor, role=Role.AGENCY
        )
        return agency
    for field, value in details.items():
        setattr(existing, field, value)
    fields = [*details, "updated_at"]
    if existing.status == AgencyStatus.REJECTED:
        _check_move(AGENCY_TRANSITIONS, existing.status, AgencyStatus.PENDING, Role.AGENCY)
        _move_agency(existing, to_status=AgencyStatus.PENDING, actor=actor, role=Role.AGENCY, comment=_("重新提交"))
        existing.status = AgencyStatus.PENDING
        fields.append("status")
    existing.save(update_fields=fields)
    return existing


def _act_for_agency(*, actor, agency: Agency, action: str, reference: str) -> None:
    act_on_behalf(
        actor=actor, action=action, service_code=SERVICE_CODE, enterprise=agency.enterprise, object_reference=reference
    )


@transaction.atomic
def agency_service_set(
    *, actor, agency: Agency, service_type, fee_min_fen: int, fee_max_fen: int, note: str = ""
) -> AgencyService:
    """Offer ``service_type`` (or change its fee range): fees in fen, ``min <= max``."""
    agency = _lock_agency(agency.pk)
    _act_for_agency(actor=actor, agency=agency, action=ACTION_AGENCY_UPDATE, reference=f"agency:{agency.pk}")
    if not service_type.active:
        raise _refuse(_("该服务类型已停用。"), "service_type_inactive")
    fee_min_fen = _amount(fee_min_fen, label=_("最低收费"), code="fee_min")
    fee_max_fen = _amount(fee_max_fen, label=_("最高收费"), code="fee_max")
    if fee_min_fen > fee_max_fen:
        raise _refuse(_("最低收费不能高于最高收费。"), "fee_range_invalid")
    note = _text(note, label=_("收费说明"), max_length=200, code="note", required=False)
    offered, _created = AgencyService.objects.update_or_create(
        agency=agency,
        service_type=service_type,
        defaults={"fee_min_fen": fee_min_fen, "fee_max_fen": fee_max_fen, "note": note},
    )
    return offered


@transaction.atomic
def agency_service_remove(*, actor, agency: Agency, service_type) -> bool:
    """Stop offering ``service_type``. Quotes already made stay."""
    agency = _lock_agency(agency.pk)
    _act_for_agency(actor=actor, agency=agency, action=ACTION_AGENCY_UPDATE, reference=f"agency:{agency.pk}")
    deleted, _rows = AgencyService.objects.filter(agency=agency, service_type=service_type).delete()
    return bool(deleted)


def qualification_scan_queue(*, qualification_id: int) -> bool:
    from .tasks import scan_qualification

    try:
        scan_qualification.delay(qualification_id)
    except Exception as exc:  # broker unreachable: an official sees it pending and may ask again
        logger.warning("scan of qualification %s not queued (%s)", qualification_id, exc.__class__.__name__)
        return False
    return True


def qualification_scan(*, qualification_id: int) -> str:
    """Scan a pending certificate file with clamd; an infected file is deleted and marked so.
    Raises ``OSError`` when clamd is unreachable (the task retries)."""
    from applications.scanning import clamd_scan

    with transaction.atomic():
        qualification = Qualification.objects.select_for_update().filter(pk=qualification_id).first()
        if qualification is None or qualification.scan_status != ScanStatus.PENDING or not qualification.file:
            return "skipped"
        with qualification.file.open("rb") as handle:
            signature = clamd_scan(handle.read(), address=settings.CLAMD_ADDRESS)
        if signature:
            qualification.file.delete(save=False)
            logger.warning("qualification %s infected (%s); file deleted", qualification_id, signature)
        qualification.scan_status = ScanStatus.INFECTED if signature else ScanStatus.CLEAN
        qualification.save(update_fields=["scan_status", "file", "updated_at"])
        return qualification.scan_status


@transaction.atomic
def qualification_add(
    *,
    actor,
    agency: Agency,
    qualification_type,
    grade: int,
    number: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    issuer: str = "",
    upload=None,
    certificate_reference: str = "",
) -> Qualification:
    """Submit a qualification certificate for review: a scanned file (checked like application
    materials, stored privately) or an e-certificate number, or both."""
    agency = _lock_agency(agency.pk)
    _act_for_agency(actor=actor, agency=agency, action=ACTION_QUALIFICATION_ADD, reference=f"agency:{agency.pk}")
    number = _text(number, label=_("证书编号"), max_length=64, code="number")
    issuer = _text(issuer, label=_("发证机关"), max_length=100, code="issuer", required=False)
    certificate_reference = _text(
        certificate_reference, label=_("电子证照编号"), max_length=100, code="certificate_reference", required=False
    )
    if grade not in Grade.values:
        raise _refuse(_("请选择资质等级。"), "grade_invalid")
    if not qualification_type.graded:
        grade = Grade.UNGRADED
    if valid_from is None or valid_until is None or valid_from > valid_until:
        raise _refuse(_("有效期起止日期不正确。"), "validity_invalid")
    if valid_until < timezone.localdate():
        raise _refuse(_("该证书已过有效期，不能提交。"), "already_expired")
    if upload is None and not certificate_reference:
        raise _refuse(_("请上传资质证书文件，或填写电子证照编号。"), "certificate_required")
    checked = check_upload(upload) if upload is not None else None
    qualification = Qualification(
        agency=agency,
        qualification_type=qualification_type,
        grade=grade,
        number=number,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        certificate_reference=certificate_reference,
    )
    if checked is not None:
        qualification.original_name = checked.original_name
        qualification.content_type = checked.content_type
        qualification.sha256 = checked.sha256
        qualification.scan_status = ScanStatus.PENDING if settings.CLAMD_ADDRESS else ScanStatus.NOT_SCANNED
        save_with_file(qualification, checked.content)
        if qualification.scan_status == ScanStatus.PENDING:
            transaction.on_commit(lambda pk=qualification.pk: qualification_scan_queue(qualification_id=pk))
    else:
        qualification.save()
    AgencyTransition.objects.create(
        agency=agency,
        qualification=qualification,
        from_status="",
        to_status=QualificationStatus.PENDING,
        actor=actor,
        role=Role.AGENCY,
    )
    return qualification


@transaction.atomic
def agency_review(*, official, agency: Agency, approve: bool, note: str = "") -> Agency:
    """The supervising department approves or rejects a pending agency (a rejection needs a reason)."""
    _official(official, PERM_REVIEW)
    agency = _lock_agency(agency.pk)
    to_status = AgencyStatus.APPROVED if approve else AgencyStatus.REJECTED
    if agency.status == to_status:
        return agency  # a repeated request
    note = _text(note, label=_("审核意见"), max_length=REASON_MAX_LENGTH, code="note", required=not approve)
    _check_move(AGENCY_TRANSITIONS, agency.status, to_status, Role.OFFICIAL)
    return _agency_set_status(agency, to_status=to_status, official=official, note=note)


def _agency_set_status(agency: Agency, *, to_status: str, official, note: str) -> Agency:
    _move_agency(agency, to_status=to_status, actor=official, role=Role.OFFICIAL, comment=note)
    agency.status = to_status
    agency.reviewed_at = timezone.now()
    agency.review_note = note
    agency.save(update_fields=["status", "reviewed_at", "review_note", "updated_at"])
    _notify_agency(
        agency,
        "marketplace.agency_reviewed",
        {"outcome": AgencyStatus(to_status).label, "note": note},
    )
    return agency


@transaction.atomic
def agency_suspend(*, official, agency: Agency, note: str) -> Agency:
    """Suspend an approved agency (it cannot quote or be chosen); a reason is required."""
    _official(official, PERM_REVIEW)
    agency = _lock_agency(agency.pk)
    if agency.status == AgencyStatus.SUSPENDED:
        return agency
    note = _text(note, label=_("暂停理由"), max_length=REASON_MAX_LENGTH, code="note")
    _check_move(AGENCY_TRANSITIONS, agency.status, AgencyStatus.SUSPENDED, Role.OFFICIAL)
    return _agency_set_status(agency, to_status=AgencyStatus.SUSPENDED, official=official, note=note)


@transaction.atomic
def agency_reinstate(*, official, agency: Agency, note: str = "") -> Agency:
    _official(official, PERM_REVIEW)
    agency = _lock_agency(agency.pk)
    if agency.status == AgencyStatus.APPROVED:
        return agency
    note = _text(note, label=_("审核意见"), max_length=REASON_MAX_LENGTH, code="note", required=False)
    _check_move(AGENCY_TRANSITIONS, agency.status, AgencyStatus.APPROVED, Role.OFFICIAL)
    return _agency_set_status(agency, to_status=AgencyStatus.APPROVED, official=official, note=note)


def _lock_qualification(qualification_id: int) -> Qualification:
    qualification = (
        Qualification.objects.select_for_update(of=("self",))
        .select_related("agency__enterprise", "qualification_type")
        .filter(pk=qualification_id)
        .first()
    )
    if qualification is None:
        raise _refuse(_("未找到该资质。"), "not_found", HTTPStatus.NOT_FOUND)
    return qualification


def _qualification_move(qualification: Qualification, *, to_status: str, actor, role: str, note: str = "") -> None:
    _move_agency(
        qualification.agency, to_status=to_status, actor=actor, role=role, comment=note, qualification=qualification
    )


@transaction.atomic
def qualification_review(*, official, qualification: Qualification, approve: bool, note: str = "") -> Qualification:
    """Approve or reject a submitted qualification (a rejection needs a reason). A certificate
    already past its validity, or whose file was found infected or is still being scanned,
    cannot be approved."""
    _official(official, PERM_REVIEW)
    qualification = _lock_qualification(qualification.pk)
    to_status = QualificationStatus.APPROVED if approve else QualificationStatus.REJECTED
    if qualification.status == to_status:
        return qualification
    note = _text(note, label=_("审核意见"), max_length=REASON_MAX_LENGTH, code="note", required=not approve)
    _check_move(QUALIFICATION_TRANSITIONS, qualification.status, to_status, Role.OFFICIAL)
    if approve:
        if qualification.valid_until < timezone.localdate():
            raise _refuse(_("该证书已过有效期，不能审核通过。"), "already_expired", HTTPStatus.CONFLICT)
        if qualification.scan_status in (ScanStatus.PENDING, ScanStatus.INFECTED):
            raise _refuse(_("证书文件尚未通过查毒，不能审核通过。"), "file_not_clean", HTTPStatus.CONFLICT)
    _qualification_move(qualification, to_status=to_status, actor=official, role=Role.OFFICIAL, note=note)
    qualification.status = to_status
    qualification.reviewed_by = official
    qualification.reviewed_at = timezone.now()
    qualification.review_note = note
    qualification.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
    _notify_agency(
        qualification.agency,
        "marketplace.qualification_reviewed",
        {
            "qualification": qualification.qualification_type.name,
            "number": qualification.number,
            "outcome": _("审核通过") if approve else _("未通过审核"),
            "note": note,
        },
    )
    return qualification


def qualifications_expire(*, today: datetime.date | None = None) -> dict[str, int]:
    """Record the qualifications past ``valid_until`` as expired (telling their agencies), and
    send the advance reminders of ``MARKETPLACE_QUALIFICATION_REMINDER_DAYS``, each once.

    A qualification that enters the reminder window late (approved 5 days before expiry) gets
    only the nearest reminder, never several at once. Idempotent: each row is locked and
    re-checked, and a reminder is a unique row. The selectors never rely on this task:
    they compare the dates themselves.
    """
    today = today or timezone.localdate()
    expired = reminded = 0
    due = Qualification.objects.filter(
        status__in=(QualificationStatus.APPROVED, QualificationStatus.PENDING), valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due[:1000]):
        with transaction.atomic():
            qualification = _lock_qualification(pk)
            if qualification.valid_until >= today or qualification.status not in (
                QualificationStatus.APPROVED,
                QualificationStatus.PENDING,
            ):
                continue
            was_approved = qualification.status == QualificationStatus.APPROVED
            _qualification_move(
                qualification,
                to_status=QualificationStatus.EXPIRED,
                actor=None,
                role=Role.SYSTEM,
                note=_("有效期至%(date)s，已过期") % {"date": qualification.valid_until.isoformat()},
            )
            qualification.status = QualificationStatus.EXPIRED
            qualification.expired_at = timezone.now()
            qualification.save(update_fields=["status", "expired_at", "updated_at"])
            if was_approved:
                _notify_agency(qualification.agency, "marketplace.qualification_expired", _context(qualification))
            expired += 1

    thresholds = sorted({int(days) for days in settings.MARKETPLACE_QUALIFICATION_REMINDER_DAYS if int(days) >= 0})
    if thresholds:
        window = Qualification.objects.filter(
            status=QualificationStatus.APPROVED,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=max(thresholds)),
        ).values_list("pk", "valid_until")
        for pk, valid_until in list(window[:1000]):
            days_left = (valid_until - today).days
            nearest = min(days for days in thresholds if days_left <= days)
            with transaction.atomic():
                qualification = _lock_qualification(pk)
                if qualification.status != QualificationStatus.APPROVED or qualification.valid_until != valid_until:
                    continue
                if QualificationReminder.objects.filter(
                    qualification=qualification, valid_until=valid_until, days_before__lte=nearest
                ).exists():
                    continue
                QualificationReminder.objects.create(
                    qualification=qualification, days_before=nearest, valid_until=valid_until
                )
                _notify_agency(
                    qualification.agency,
                    "marketplace.qualification_expiring",
                    {**_context(qualification), "days_left": days_left},
                )
                reminded += 1
    return {"expired": expired, "reminded": reminded}


def _context(qualification: Qualification) -> dict:
    return {
        "qualification": qualification.qualification_type.name,
        "number": qualification.number,
        "valid_until": qualification.valid_until.isoformat(),
    }


# --- Postings -----------------------------------------------------------------------------


def _lock_posting(posting_id: int) -> Posting:
    posting = (
        Posting.objects.select_for_update(of=("self",))
        .select_related("buyer_enterprise", "service_type", "required_qualification_type")
        .filter(pk=posting_id)
        .first()
    )
    if posting is None:
        raise _refuse(_("未找到该项目公告。"), "not_found", HTTPStatus.NOT_FOUND)
    return posting


def _move_posting(
    posting: Posting, *, to_status: str, actor, role: str, comment: str = "", fields: tuple[str, ...] = ()
) -> None:
    """Check the move against ``POSTING_TRANSITIONS``, save it and append its record."""
    _check_move(POSTING_TRANSITIONS, posting.status, to_status, role)
    PostingTransition.objects.create(
        posting=posting, from_status=posting.status, to_status=to_status, actor=actor, role=role, comment=comment
    )
    posting.status = to_status
    posting.save(update_fields=["status", "updated_at", *fields])


def _act_for_buyer(*, actor, posting: Posting, action: str) -> None:
    act_on_behalf(
        actor=actor,
        action=action,
        service_code=SERVICE_CODE,
        enterprise=posting.buyer_enterprise,
        object_reference=f"posting:{posting.reference}",
    )


def _new_reference(today: datetime.date) -> str:
    return f"ZJ{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _posting_fields(
    *,
    actor,
    service_type,
    title: str,
    scope: str,
    budget_fen: int,
    quote_deadline: datetime.datetime,
    selection_method: str,
    objection_period_days: int | None,
    required_qualification_type,
    required_min_grade: int | None,
    application,
    service_item,
) -> dict:
    """The checked fields of a posting (shared by creating and editing a draft)."""
    title = _text(title, label=_("项目名称"), max_length=TITLE_MAX_LENGTH, code="title")
    scope = _text(scope, label=_("服务内容"), max_length=TEXT_MAX_LENGTH, code="scope")
    budget_fen = _amount(budget_fen, label=_("预算上限"), code="budget")
    if selection_method not in SelectionMethod.values:
        raise _refuse(_("请选择选取方式。"), "selection_method_invalid")
    if not service_type.active:
        raise _refuse(_("该服务类型已停用。"), "service_type_inactive")
    if quote_deadline is None or timezone.is_naive(quote_deadline):
        raise _refuse(_("请填写报价截止时间。"), "quote_deadline_required")
    if objection_period_days is None:
        objection_period_days = settings.MARKETPLACE_DEFAULT_OBJECTION_DAYS
    if not 0 <= objection_period_days <= settings.MARKETPLACE_MAX_OBJECTION_DAYS:
        raise _refuse(
            _("异议期应为 0 至 %(max)d 天。") % {"max": settings.MARKETPLACE_MAX_OBJECTION_DAYS},
            "objection_period_invalid",
        )
    # The service type's requirement always holds: a posting may only ask for a higher grade
    # (or name a qualification where the type requires none).
    if service_type.qualification_type is not None:
        if required_qualification_type not in (None, service_type.qualification_type):
            raise _refuse(_("资质要求应与服务类型一致。"), "qualification_type_mismatch")
        required_qualification_type = service_type.qualification_type
    required_min_grade = required_min_grade or Grade.UNGRADED
    if required_min_grade not in Grade.values:
        raise _refuse(_("请选择资质等级。"), "grade_invalid")
    if required_qualification_type is None or not required_qualification_type.graded:
        required_min_grade = Grade.UNGRADED
    elif required_qualification_type == service_type.qualification_type:
        required_min_grade = max(required_min_grade, service_type.min_grade)
    if application is not None:
        if not resident_may_view(user=actor, application=application):
            raise _refuse(_("未找到该办件。"), "application_not_found", HTTPStatus.NOT_FOUND)
        service_item = service_item or application.service_item
    return {
        "service_type": service_type,
        "title": title,
        "scope": scope,
        "budget_fen": budget_fen,
        "quote_deadline": quote_deadline,
        "selection_method": selection_method,
        "objection_period_days": objection_period_days,
        "required_qualification_type": required_qualification_type,
        "required_min_grade": required_min_grade,
        "application": application,
        "service_item": service_item,
    }


def posting_create(
    *,
    actor,
    enterprise,
    service_type,
    title: str,
    scope: str,
    budget_fen: int,
    quote_deadline: datetime.datetime,
    selection_method: str,
    objection_period_days: int | None = None,
    required_qualification_type=None,
    required_min_grade: int | None = None,
    application=None,
    service_item=None,
    publish: bool = False,
) -> Posting:
    """Create a project posting (a draft) for the buyer ``enterprise``; ``publish=True`` opens it at once.

    The qualification required defaults to the service type's; a posting may ask for a
    higher grade, never for less than the type requires. A linked application must be
    one the actor may see; its service item is linked too.
    """
    fields = _posting_fields(
        actor=actor,
        service_type=service_type,
        title=title,
        scope=scope,
        budget_fen=budget_fen,
        quote_deadline=quote_deadline,
        selection_method=selection_method,
        objection_period_days=objection_period_days,
        required_qualification_type=required_qualification_type,
        required_min_grade=required_min_grade,
        application=application,
        service_item=service_item,
    )
    with transaction.atomic():
        act_on_behalf(
            actor=actor,
            action=ACTION_POSTING_CREATE,
            service_code=SERVICE_CODE,
            enterprise=enterprise,
            object_reference="posting:new",
        )
        today = timezone.localdate()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    posting = Posting.objects.create(
                        reference=_new_reference(today), buyer_enterprise=enterprise, created_by=actor, **fields
                    )
                    break
            except IntegrityError:
                continue  # the random reference was taken: draw another
        else:
            raise _refuse(_("系统繁忙，请稍后再试。"), "reference_exhausted", HTTPStatus.SERVICE_UNAVAILABLE)
        PostingTransition.objects.create(
            posting=posting, from_status="", to_status=PostingStatus.DRAFT, actor=actor, role=Role.BUYER
        )
        if publish:
            # The mandate was checked above, in this transaction, which still holds the
            # enterprise's row: record the publication without locking and reading it again.
            acting_record(
                actor=actor,
                principal_enterprise=enterprise,
                action=ACTION_POSTING_CHANGE,
                service_code=SERVICE_CODE,
                object_reference=f"posting:{posting.reference}",
            )
            _open_posting(posting, actor=actor)
    return posting


@transaction.atomic
def posting_update_draft(
    *,
    actor,
    posting: Posting,
    service_type,
    title: str,
    scope: str,
    budget_fen: int,
    quote_deadline: datetime.datetime,
    selection_method: str,
    objection_period_days: int | None = None,
    required_qualification_type=None,
    required_min_grade: int | None = None,
    application=None,
    service_item=None,
    publish: bool = False,
) -> Posting:
    """Edit a draft (every field, checked as when creating it); ``publish=True`` then opens it,
    in the same transaction. A published posting is never edited."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_POSTING_CHANGE)
    if posting.status != PostingStatus.DRAFT:
        raise _refuse(_("项目公告发布后不能修改。"), "not_a_draft", HTTPStatus.CONFLICT)
    fields = _posting_fields(
        actor=actor,
        service_type=service_type,
        title=title,
        scope=scope,
        budget_fen=budget_fen,
        quote_deadline=quote_deadline,
        selection_method=selection_method,
        objection_period_days=objection_period_days,
        required_qualification_type=required_qualification_type,
        required_min_grade=required_min_grade,
        application=application,
        service_item=service_item,
    )
    for field, value in fields.items():
        setattr(posting, field, value)
    posting.save(update_fields=[*fields, "updated_at"])
    if publish:
        # One change of the buyer's, checked and recorded once above: the edit and its publication.
        _open_posting(posting, actor=actor)
    return posting


@transaction.atomic
def posting_publish(*, actor, posting: Posting) -> Posting:
    """Open a draft for quotes. The quote deadline must be at least ``MARKETPLACE_MIN_QUOTE_HOURS``
    away. For a random draw the seed is drawn and recorded now, before any quote, and its
    SHA-256 published with the posting."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_POSTING_CHANGE)
    if posting.status == PostingStatus.OPEN:
        return posting
    _open_posting(posting, actor=actor)
    return posting


def _open_posting(posting: Posting, *, actor) -> None:
    """Open a locked draft whose buyer's mandate was checked and recorded in this transaction."""
    now = timezone.now()
    if posting.quote_deadline < now + datetime.timedelta(hours=settings.MARKETPLACE_MIN_QUOTE_HOURS):
        raise _refuse(
            _("报价截止时间应至少在发布后 %(hours)d 小时。") % {"hours": settings.MARKETPLACE_MIN_QUOTE_HOURS},
            "quote_deadline_too_soon",
        )
    fields = ["published_at"]
    posting.published_at = now
    if posting.selection_method == SelectionMethod.RANDOM_DRAW:
        _record_seed(posting, now)
        fields += ["draw_seed", "draw_seed_hash", "draw_seed_recorded_at"]
    _move_posting(posting, to_status=PostingStatus.OPEN, actor=actor, role=Role.BUYER, fields=tuple(fields))


def _record_seed(posting: Posting, now) -> None:
    posting.draw_seed = draw.new_seed()
    posting.draw_seed_hash = draw.seed_hash(posting.draw_seed)
    posting.draw_seed_recorded_at = now


@transaction.atomic
def posting_cancel(*, actor, posting: Posting, reason: str, as_official: bool = False) -> Posting:
    """Cancel a posting before a contract: the buyer (draft, open, closed), or an official
    (``as_official``, also a published result in dispute). A reason is required."""
    posting = _lock_posting(posting.pk)
    if posting.status == PostingStatus.CANCELLED:
        return posting
    reason = _text(reason, label=_("取消理由"), max_length=REASON_MAX_LENGTH, code="reason")
    if as_official:
        _official(actor, PERM_DECIDE)
        role = Role.OFFICIAL
    else:
        _act_for_buyer(actor=actor, posting=posting, action=ACTION_POSTING_CHANGE)
        role = Role.BUYER
    posting.cancelled_at = timezone.now()
    _move_posting(
        posting, to_status=PostingStatus.CANCELLED, actor=actor, role=role, comment=reason, fields=("cancelled_at",)
    )
    return posting


def _close_if_due(posting: Posting, now) -> bool:
    if posting.status == PostingStatus.OPEN and posting.deadline_passed(now):
        posting.closed_at = now
        _move_posting(
            posting,
            to_status=PostingStatus.CLOSED,
            actor=None,
            role=Role.SYSTEM,
            comment=_("报价截止"),
            fields=("closed_at",),
        )
        context = {
            "reference": posting.reference,
            "title": posting.title,
            "count": posting.quotes.count(),
            "method": SelectionMethod(posting.selection_method).label,
        }
        for user in {posting.buyer_enterprise.legal_representative, posting.created_by}:
            notify(user=user, template="marketplace.quotes_closed", context=context)
        return True
    return False


@transaction.atomic
def posting_close(*, posting: Posting, now=None) -> bool:
    """Close an open posting whose quote deadline has passed (quotes are frozen from the
    deadline on either way). Answers whether it closed it now."""
    posting = _lock_posting(posting.pk)
    return _close_if_due(posting, now or timezone.now())


def postings_close_due(*, now=None) -> int:
    """The beat task: close every open posting past its deadline, one transaction each."""
    now = now or timezone.now()
    due = Posting.objects.filter(status=PostingStatus.OPEN, quote_deadline__lte=now).values_list("pk", flat=True)
    closed = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            closed += _close_if_due(_lock_posting(pk), now)
    return closed


# --- Quotes -------------------------------------------------------------------------------


@transaction.atomic
def quote_submit(*, actor, posting: Posting, agency: Agency, amount_fen: int, note: str = "") -> Quote:
    """Quote (or revise the quote) of ``agency`` on ``posting``, before the deadline only.

    Refused for an agency that is not selectable for the posting (not approved, not
    offering the service type, or without a valid qualification of the required type
    and grade — an expired one does not count), for the buyer's own agency, and above
    the budget ceiling. Every version is kept (:class:`~marketplace.models.QuoteRevision`);
    sending the same amount and note again changes nothing.
    """
    posting = _lock_posting(posting.pk)
    now = timezone.now()
    if posting.status != PostingStatus.OPEN or posting.deadline_passed(now):
        raise _refuse(_("该项目已截止报价，报价不能再提交或修改。"), "quotes_closed", HTTPStatus.CONFLICT)
    agency = _lock_agency(agency.pk)
    if selectors.same_party(agency=agency, posting=posting):
        raise _refuse(_("不能对本单位发布的项目报价。"), "own_posting", HTTPStatus.FORBIDDEN)
    _act_for_agency(actor=actor, agency=agency, action=ACTION_QUOTE, reference=f"posting:{posting.reference}")
    reason = selectors.agency_ineligibility(agency=agency, posting=posting, today=timezone.localdate(now))
    if reason is not None:
        raise _refuse(INELIGIBLE_MESSAGES[reason](), reason, HTTPStatus.FORBIDDEN)
    amount_fen = _amount(amount_fen, label=_("报价"), code="amount")
    if amount_fen > posting.budget_fen:
        raise _refuse(_("报价不能超过预算上限 %(budget)s 元。") % {"budget": yuan(posting.budget_fen)}, "over_budget")
    note = _text(note, label=_("服务方案说明"), max_length=TEXT_MAX_LENGTH, code="note", required=False)
    quote = Quote.objects.select_for_update().filter(posting=posting, agency=agency).first()
    if quote is None:
        quote = Quote.objects.create(
            posting=posting,
            agency=agency,
            amount_fen=amount_fen,
            note=note,
            submitted_by=actor,
            created_at=now,
            updated_at=now,
        )
    elif quote.amount_fen == amount_fen and quote.note == note:
        return quote  # a repeated request
    else:
        quote.amount_fen = amount_fen
        quote.note = note
        quote.submitted_by = actor
        quote.revision += 1
        quote.updated_at = now
        quote.save(update_fields=["amount_fen", "note", "submitted_by", "revision", "updated_at"])
    QuoteRevision.objects.create(
        quote=quote, revision=quote.revision, amount_fen=amount_fen, note=note, actor=actor, created_at=now
    )
    return quote


# --- Selection ----------------------------------------------------------------------------


def _eligible_quotes(posting: Posting, *, excluded: set[int], today) -> list[Quote]:
    """The posting's quotes whose agency is still selectable today and not excluded."""
    selectable = selectors.selectable_for_posting(posting=posting, today=today).values("pk")
    return list(
        posting.quotes.filter(agency__in=selectable)
        .exclude(agency_id__in=excluded)
        .order_by("amount_fen", "updated_at", "pk")
    )


def _run_selection(
    posting: Posting,
    *,
    actor,
    agency: Agency | None,
    excluded: set[int],
    objection: Objection | None,
    comment: str,
    now,
) -> SelectionResult | None:
    """Select under the posting's method and append the result; None when nobody is eligible
    (an upheld objection with nobody left). The methods:

    * **direct**: the buyer's chosen ``agency``, which must be selectable (it need not have quoted;
      if it did, its quote is the amount);
    * **lowest quote**: the lowest amount; ties go to the quote whose last version came first
      (``updated_at``), then the lower quote id;
    * **random draw**: :func:`marketplace.draw.draw_winner` over the eligible quote ids with the
      seed recorded when the posting opened (a re-draw: :func:`marketplace.draw.round_seed` of it).
    """
    today = timezone.localdate(now)
    previous = posting.results.order_by("-sequence").first()
    sequence = (previous.sequence + 1) if previous else 1
    quotes = _eligible_quotes(posting, excluded=excluded, today=today)
    candidates = draw.canonical_candidates(quote.pk for quote in quotes)
    chosen_quote = None
    seed = seed_hash = ""
    seed_recorded_at = None
    if posting.selection_method == SelectionMethod.DIRECT:
        if agency is None:
            raise _refuse(_("请选择中介机构。"), "agency_required")
        if agency.pk in excluded:
            raise _refuse(
                _("该机构的选取结果已因异议成立被撤销，不能再次选定。"), "agency_excluded", HTTPStatus.CONFLICT
            )
        reason = selectors.agency_ineligibility(agency=agency, posting=posting, today=today)
        if reason is not None:
            raise _refuse(_("该机构不符合本项目的资质要求，不能选定。"), reason, HTTPStatus.CONFLICT)
        if selectors.same_party(agency=agency, posting=posting):
            raise _refuse(_("不能选定本单位。"), "own_posting", HTTPStatus.CONFLICT)
        chosen_quote = next((quote for quote in quotes if quote.agency_id == agency.pk), None)
        chosen_agency = agency
    else:
        if not quotes:
            if objection is not None:
                return None
            raise _refuse(
                _("没有符合条件的报价，无法选取。可取消本项目后重新发布。"), "no_eligible_quotes", HTTPStatus.CONFLICT
            )
        if posting.selection_method == SelectionMethod.LOWEST_QUOTE:
            chosen_quote = quotes[0]  # ordered by amount, then the earlier last version, then id
        else:
            if not posting.draw_seed:  # published before seeds existed: record one now
                _record_seed(posting, now)
                posting.save(update_fields=["draw_seed", "draw_seed_hash", "draw_seed_recorded_at", "updated_at"])
            # The first draw uses the seed committed at opening; a re-draw after an upheld objection
            # uses a seed derived from it and the result's sequence, so nobody can re-roll it.
            seed = draw.round_seed(posting.draw_seed, sequence)
            seed_hash, seed_recorded_at = posting.draw_seed_hash, posting.draw_seed_recorded_at
            winner_id = draw.draw_winner(seed, candidates)
            chosen_quote = next(quote for quote in quotes if quote.pk == winner_id)
        chosen_agency = chosen_quote.agency
    return SelectionResult.objects.create(
        posting=posting,
        sequence=sequence,
        method=posting.selection_method,
        agency=chosen_agency,
        quote=chosen_quote,
        amount_fen=chosen_quote.amount_fen if chosen_quote else None,
        candidates=candidates,
        excluded=sorted(excluded),
        seed=seed,
        seed_hash=seed_hash,
        seed_recorded_at=seed_recorded_at,
        supersedes=previous,
        objection=objection,
        selected_by=actor,
        comment=comment,
        created_at=now,
    )


def _publish_result(posting: Posting, result: SelectionResult, *, actor, role: str, comment: str, now) -> None:
    posting.result = result
    posting.objection_deadline = now + datetime.timedelta(days=posting.objection_period_days)
    _move_posting(
        posting,
        to_status=PostingStatus.SELECTED,
        actor=actor,
        role=role,
        comment=comment,
        fields=("result", "objection_deadline"),
    )
    deadline = timezone.localtime(posting.objection_deadline).strftime("%Y-%m-%d %H:%M")
    # Their recipients (_agency_recipients) come with them: no query per bidder.
    bidders = {
        quote.agency_id: quote.agency
        for quote in posting.quotes.select_related("agency__enterprise__legal_representative", "agency__registered_by")
    }
    bidders.setdefault(result.agency_id, result.agency)
    for agency in bidders.values():
        _notify_agency(
            agency,
            "marketplace.result_published",
            {
                "reference": posting.reference,
                "title": posting.title,
                "agency": result.agency.enterprise.name,
                "objection_deadline": deadline if posting.objection_period_days else "",
            },
        )


@transaction.atomic
def posting_select(*, actor, posting: Posting, agency: Agency | None = None, comment: str = "") -> SelectionResult:
    """The buyer selects after the quote deadline under the posting's method (``agency`` only for
    a direct choice) and the result is published at once, open to objection for the
    posting's period. A posting still open past its deadline is closed first. Repeating the
    request once a result exists answers that result and changes nothing."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_SELECT)
    now = timezone.now()
    _close_if_due(posting, now)
    if posting.status in (PostingStatus.DRAFT, PostingStatus.OPEN):
        raise _refuse(_("报价截止后才能选取。"), "deadline_not_passed", HTTPStatus.CONFLICT)
    if posting.status != PostingStatus.CLOSED:
        if posting.result_id is not None:
            return posting.result
        raise _refuse(_("当前状态下不能进行该操作。"), "transition_not_allowed", HTTPStatus.CONFLICT)
    comment = _text(comment, label=_("说明"), max_length=REASON_MAX_LENGTH, code="comment", required=False)
    if agency is not None:
        agency = _lock_agency(agency.pk)  # its current status, not the caller's copy
    result = _run_selection(
        posting,
        actor=actor,
        agency=agency,
        excluded=set(posting.excluded_agencies),
        objection=None,
        comment=comment,
        now=now,
    )
    _publish_result(posting, result, actor=actor, role=Role.BUYER, comment=comment, now=now)
    return result


@transaction.atomic
def objection_file(*, actor, posting: Posting, agency: Agency, reason: str) -> Objection:
    """A bidder (an agency that quoted, other than the one selected) objects to the published
    result within the objection period. One pending objection per agency and result."""
    posting = _lock_posting(posting.pk)
    if not selectors.objection_open(posting=posting):
        raise _refuse(_("异议期已过或尚无公示结果，不能提出异议。"), "objection_closed", HTTPStatus.CONFLICT)
    agency = _lock_agency(agency.pk)
    _act_for_agency(actor=actor, agency=agency, action=ACTION_OBJECTION, reference=f"posting:{posting.reference}")
    if not posting.quotes.filter(agency=agency).exists():
        raise _refuse(_("只有参与报价的机构可以提出异议。"), "not_a_bidder", HTTPStatus.FORBIDDEN)
    result = posting.result
    if result.agency_id == agency.pk:
        raise _refuse(_("中选机构不能对本结果提出异议。"), "selected_agency", HTTPStatus.CONFLICT)
    reason = _text(reason, label=_("异议理由"), max_length=REASON_MAX_LENGTH, code="reason")
    existing = Objection.objects.filter(result=result, agency=agency, status=ObjectionStatus.PENDING).first()
    if existing is not None:
        return existing
    objection = Objection.objects.create(posting=posting, result=result, agency=agency, filed_by=actor, reason=reason)
    context = {"reference": posting.reference, "title": posting.title, "agency": agency.enterprise.name}
    notify(user=posting.buyer_enterprise.legal_representative, template="marketplace.objection_filed", context=context)
    return objection


@transaction.atomic
def objection_decide(
    *, official, objection: Objection, uphold: bool, reason: str, exclude_winner: bool = True
) -> Objection:
    """An official decides an objection, with a reason. The only path that changes a published result.

    Dismissed: the result stands. Upheld, on the posting's current result: for a lowest
    quote or a random draw the selection is run again (a draw with a seed derived from the one
    committed at opening, :func:`marketplace.draw.round_seed`)
    and the new result supersedes the old one, which is kept unchanged; ``exclude_winner``
    leaves the old winner out (the usual remedy). For a direct choice the posting goes back
    to the buyer to choose again. If nobody eligible remains, the posting goes back to
    ``closed`` (the buyer may cancel it). Repeating the same decision changes nothing.
    """
    _official(official, PERM_DECIDE)
    posting = _lock_posting(objection.posting_id)
    objection = Objection.objects.select_for_update().select_related("agency__enterprise").get(pk=objection.pk)
    to_status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    if objection.status == to_status:
        return objection
    if objection.status != ObjectionStatus.PENDING:
        raise _refuse(_("该异议已处理。"), "already_decided", HTTPStatus.CONFLICT)
    reason = _text(reason, label=_("处理意见"), max_length=REASON_MAX_LENGTH, code="reason")
    now = timezone.now()
    objection.status = to_status
    objection.decided_by = official
    objection.decided_at = now
    objection.decision_reason = reason
    objection.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if uphold and posting.status == PostingStatus.SELECTED and objection.result_id == posting.result_id:
        old = posting.result
        excluded = set(posting.excluded_agencies) | ({old.agency_id} if exclude_winner else set())
        comment = _("异议成立：%(reason)s") % {"reason": reason}
        result = None
        if posting.selection_method != SelectionMethod.DIRECT:
            result = _run_selection(
                posting, actor=official, agency=None, excluded=excluded, objection=objection, comment=comment, now=now
            )
        posting.excluded_agencies = sorted(excluded)
        posting.save(update_fields=["excluded_agencies", "updated_at"])
        if result is not None:
            _publish_result(posting, result, actor=official, role=Role.OFFICIAL, comment=comment, now=now)
        else:
            # Back to the buyer: a direct choice to make again, or nobody eligible is left
            # (the buyer may cancel). The old result stays, superseded by the next one.
            posting.result = None
            posting.objection_deadline = None
            _move_posting(
                posting,
                to_status=PostingStatus.CLOSED,
                actor=official,
                role=Role.OFFICIAL,
                comment=comment,
                fields=("result", "objection_deadline"),
            )
    outcome = ObjectionStatus(to_status).label
    context = {"reference": posting.reference, "title": posting.title, "outcome": outcome, "note": reason}
    for user in _agency_recipients(objection.agency):
        notify(user=user, template="marketplace.objection_decided", context=context)
    notify(
        user=posting.buyer_enterprise.legal_representative, template="marketplace.objection_decided", context=context
    )
    return objection


# --- Contract, delivery, rating -----------------------------------------------------------


@transaction.atomic
def contract_record(
    *, actor, posting: Posting, amount_fen: int, start_date: datetime.date, end_date: datetime.date, note: str = ""
) -> Contract:
    """The buyer records the contract with the selected agency, once the objection period is
    over and no objection is pending. The amount may not exceed the budget ceiling."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_CONTRACT)
    if posting.status != PostingStatus.SELECTED:
        existing = Contract.objects.filter(posting=posting).first()
        if existing is not None:
            return existing
        raise _refuse(_("选取结果公示后才能备案合同。"), "transition_not_allowed", HTTPStatus.CONFLICT)
    now = timezone.now()
    if posting.objection_deadline is not None and now < posting.objection_deadline:
        raise _refuse(_("异议期尚未结束，暂不能备案合同。"), "objection_period_running", HTTPStatus.CONFLICT)
    if selectors.objections_pending(posting=posting).exists():
        raise _refuse(_("有待处理的异议，暂不能备案合同。"), "objection_pending", HTTPStatus.CONFLICT)
    amount_fen = _amount(amount_fen, label=_("合同金额"), code="amount")
    if amount_fen > posting.budget_fen:
        raise _refuse(
            _("合同金额不能超过预算上限 %(budget)s 元。") % {"budget": yuan(posting.budget_fen)}, "over_budget"
        )
    if start_date is None or end_date is None or start_date > end_date:
        raise _refuse(_("服务起止日期不正确。"), "dates_invalid")
    note = _text(note, label=_("说明"), max_length=TEXT_MAX_LENGTH, code="note", required=False)
    contract = Contract.objects.create(
        posting=posting,
        agency_id=posting.result.agency_id,
        amount_fen=amount_fen,
        start_date=start_date,
        end_date=end_date,
        note=note,
        recorded_by=actor,
        created_at=now,
    )
    _move_posting(
        posting,
        to_status=PostingStatus.CONTRACTED,
        actor=actor,
        role=Role.BUYER,
        comment=_("合同金额 %(amount)s 元") % {"amount": yuan(amount_fen)},
    )
    return contract


@transaction.atomic
def delivery_confirm(*, actor, posting: Posting, note: str = "") -> Posting:
    """The buyer confirms the agency delivered the contracted work."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_DELIVERY)
    if posting.delivered_at is not None:
        return posting
    note = _text(note, label=_("交付说明"), max_length=TEXT_MAX_LENGTH, code="note", required=False)
    posting.delivered_at = timezone.now()
    posting.delivery_note = note
    _move_posting(
        posting,
        to_status=PostingStatus.DELIVERED,
        actor=actor,
        role=Role.BUYER,
        comment=note,
        fields=("delivered_at", "delivery_note"),
    )
    return posting


@transaction.atomic
def rating_submit(*, actor, posting: Posting, score: int, comment: str = "") -> Rating:
    """The buyer rates the selected agency (1–5), once, after confirming delivery."""
    posting = _lock_posting(posting.pk)
    _act_for_buyer(actor=actor, posting=posting, action=ACTION_RATING)
    existing = Rating.objects.filter(posting=posting).first()
    if existing is not None:
        if existing.score == score and existing.comment == (comment or "").strip():
            return existing
        raise _refuse(_("该项目已评价，评价不能修改。"), "already_rated", HTTPStatus.CONFLICT)
    if posting.status != PostingStatus.DELIVERED or posting.delivered_at is None:
        raise _refuse(_("确认交付后才能评价。"), "delivery_not_confirmed", HTTPStatus.CONFLICT)
    if score not in RatingScore.values:
        raise _refuse(_("请选择 1 至 5 分。"), "score_invalid")
    comment = _text(comment, label=_("评价内容"), max_length=REASON_MAX_LENGTH, code="comment", required=False)
    rating = Rating.objects.create(
        posting=posting, agency_id=posting.result.agency_id, score=score, comment=comment, rated_by=actor
    )
    _move_posting(posting, to_status=PostingStatus.RATED, actor=actor, role=Role.BUYER, comment=f"{score}/5")
    return rating
