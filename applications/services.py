"""Writes for applications (办件): drafts, materials, submission and every
workflow transition.

Every status change goes through :func:`application_transition`: it locks the
row, checks ``ALLOWED_TRANSITIONS``, is idempotent for a repeated request,
saves with ``update_fields``, appends a :class:`Transition` and queues the
applicant's notification in the same transaction (the outbox).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from identity.services.acting import act_on_behalf, acting_check
from notifications.services import notify
from services.models import Bundle, ServiceItem

from .bundles import application_requirements, application_schema, bundle_items, merged_schema
from .calendar import add_working_days, working_days_between
from .constants import ALLOWED_TRANSITIONS, DECIDED_STATUSES, OPEN_STATUSES, MaterialSource, Role, ScanStatus, Status
from .forms import prefill_values, validate_form_data
from .models import Application, CaseSequence, SubmittedMaterial, SupplementRequest, Transition
from .selectors import official_may_process
from .uploads import check_upload, save_with_file


def _today() -> datetime.date:
    return timezone.localdate()


# --- Drafts -------------------------------------------------------------------------


def application_start(*, applicant, item_code: str, enterprise=None) -> Application:
    """A draft for the published version of ``item_code``, prefilled from what the portal holds."""
    item = (
        ServiceItem.objects.select_related("published_version", "department")
        .filter(code=item_code, published_version__isnull=False)
        .first()
    )
    if item is None:
        raise ApplicationError(_("该事项暂不可在线办理。"), code="item_unavailable", status=404)
    version = item.published_version
    if item.audience == "enterprise" and enterprise is None:
        raise ApplicationError(_("该事项由企业申请，请选择您代表的企业。"), code="enterprise_required")
    if enterprise is not None:
        # Only the legal representative or an agent mandated for this service.
        acting_check(actor=applicant, service_code=item.code, enterprise=enterprise)
    if applicant.assurance_level < version.minimum_assurance_level:
        raise ApplicationError(
            _("办理该事项需要先完成实名认证。"),
            code="assurance_too_low",
            status=403,
            extra={"verify_url": "/account/verify/"},
        )
    existing = Application.objects.filter(
        applicant=applicant, service_version=version, status=Status.DRAFT, enterprise=enterprise
    ).first()
    if existing is not None:
        return existing
    data, sources = prefill_values(version.form_schema, applicant=applicant, enterprise=enterprise)
    return Application.objects.create(
        applicant=applicant,
        enterprise=enterprise,
        service_item=item,
        service_version=version,
        department=item.department,
        form_data=data,
        field_sources=sources,
    )


def application_start_bundle(*, applicant, bundle_code: str, enterprise=None) -> Application:
    """A draft for a bundle (一件事): one merged form over all its items."""
    bundle = Bundle.objects.filter(code=bundle_code).first()
    items = bundle_items(bundle) if bundle else []
    if not items:
        raise ApplicationError(_("该一件事暂不可在线办理。"), code="bundle_unavailable", status=404)
    if applicant.assurance_level < max(item.published_version.minimum_assurance_level for item in items):
        raise ApplicationError(_("办理该事项需要先完成实名认证。"), code="assurance_too_low", status=403)
    existing = Application.objects.filter(
        applicant=applicant, bundle=bundle, parent__isnull=True, status=Status.DRAFT
    ).first()
    if existing is not None:
        return existing
    data, sources = prefill_values(merged_schema(items), applicant=applicant, enterprise=enterprise)
    return Application.objects.create(
        applicant=applicant, enterprise=enterprise, bundle=bundle, form_data=data, field_sources=sources
    )


def application_save_draft(*, application: Application, data: dict, actor) -> Application:
    """Save what the resident typed; locked (authoritative) prefilled fields keep their values."""
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
        if application.applicant_id != actor.pk:
            raise ApplicationError(_("无权修改该申请。"), code="not_yours", status=404)
        if application.status != Status.DRAFT:
            raise ApplicationError(_("申请已提交，不能再修改。"), code="not_a_draft", status=409)
        locked = {
            name: application.form_data.get(name) for name, s in application.field_sources.items() if s.get("locked")
        }
        application.form_data = {**data, **{k: v for k, v in locked.items() if v is not None}}
        application.save(update_fields=["form_data", "updated_at"])
    return application


def material_add_upload(*, application: Application, requirement=None, uploaded, actor, supplement=None):
    """Check an uploaded file completely, then store it under a generated name."""
    if application.applicant_id != actor.pk:
        raise ApplicationError(_("无权修改该申请。"), code="not_yours", status=404)
    allowed = Status.DRAFT if supplement is None else Status.SUPPLEMENT_REQUESTED
    if application.status != allowed:
        raise ApplicationError(_("当前状态不能上传材料。"), code="upload_not_allowed", status=409)
    checked = check_upload(uploaded)
    scan_status = ScanStatus.PENDING if settings.CLAMD_ADDRESS else ScanStatus.NOT_SCANNED
    material = SubmittedMaterial(
        application=application,
        requirement=requirement,
        supplement=supplement,
        source=MaterialSource.UPLOAD,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=checked.sha256,
        scan_status=scan_status,
        uploaded_by=actor,
    )
    save_with_file(material, checked.content)
    if scan_status == ScanStatus.PENDING:
        from .tasks import scan_material

        transaction.on_commit(lambda: scan_material.delay(material.pk))
    return material


# --- Submission ---------------------------------------------------------------------


# Bundle parents are numbered YJS-… (一件事); their sub-cases by department.
BUNDLE_CASE_PREFIX = "YJS"


def _next_case_number(prefix: str) -> str:
    """``<PREFIX>-<YYYYMMDD>-<000001>``, counted per prefix and day."""
    today = _today()
    code = prefix.upper()
    for _attempt in range(3):
        updated = CaseSequence.objects.filter(department_code=code, day=today).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    CaseSequence.objects.create(department_code=code, day=today, last=1)
            except IntegrityError:
                continue
        sequence = CaseSequence.objects.get(department_code=code, day=today)
        return f"{code}-{today:%Y%m%d}-{sequence.last:06d}"
    raise ApplicationError(_("系统繁忙，请稍后再试。"), code="sequence_busy", status=503)


def _deadlines(application: Application, *, start: datetime.date) -> dict:
    version = application.service_version
    statutory = add_working_days(start, version.statutory_limit_days)
    promised = add_working_days(start, version.promised_limit_days)
    return {
        "statutory_deadline": statutory.date,
        "promised_deadline": promised.date,
        "deadline_provisional": statutory.provisional or promised.provisional,
    }


def _missing_materials(application: Application) -> list[str]:
    required = {m.name for m in application_requirements(application) if m.mandatory}
    given = set(application.materials.values_list("requirement__name", flat=True))
    return sorted(required - given)


def _fan_out(parent: Application, *, actor) -> None:
    """Create one submitted sub-case per bundle item, sharing the parent's answers and files."""
    today = _today()
    for item in bundle_items(parent.bundle):
        fields = set((item.published_version.form_schema or {}).get("properties", {}))
        child = Application(
            applicant=parent.applicant,
            enterprise=parent.enterprise,
            service_item=item,
            service_version=item.published_version,
            department=item.department,
            bundle=parent.bundle,
            parent=parent,
            form_data={k: v for k, v in parent.form_data.items() if k in fields},
            field_sources={k: v for k, v in parent.field_sources.items() if k in fields},
            case_number=_next_case_number(item.department.code),
            submitted_at=parent.submitted_at,
        )
        for field, value in _deadlines(child, start=today).items():
            setattr(child, field, value)
        child.save()
        names = set(item.published_version.materials.values_list("name", flat=True))
        SubmittedMaterial.objects.bulk_create(
            [
                SubmittedMaterial(
                    application=child,
                    requirement=material.requirement,
                    source=material.source,
                    file=material.file.name,
                    original_name=material.original_name,
                    content_type=material.content_type,
                    size=material.size,
                    sha256=material.sha256,
                    scan_status=material.scan_status,
                    certificate_reference=material.certificate_reference,
                    uploaded_by=material.uploaded_by,
                )
                for material in parent.materials.select_related("requirement")
                if material.requirement and material.requirement.name in names
            ]
        )
        _record(child, to_status=Status.SUBMITTED, actor=actor, role=Role.APPLICANT, comment="")
        child.save(update_fields=["status", "updated_at"])


def application_submit(*, application: Application, actor) -> Application:
    """Submit a draft: validate the form and materials, number the case, set the deadlines."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("service_version", "service_item", "department", "enterprise", "bundle")
            .get(pk=application.pk)
        )
        if application.applicant_id != actor.pk:
            raise ApplicationError(_("无权提交该申请。"), code="not_yours", status=404)
        if application.status == Status.SUBMITTED:
            return application  # a repeated click
        errors = validate_form_data(application_schema(application), application.form_data)
        if errors:
            raise ApplicationError(_("表单填写不完整或有误。"), code="form_invalid", extra={"errors": errors})
        missing = _missing_materials(application)
        if missing:
            raise ApplicationError(
                _("还缺少必要材料：%(names)s。") % {"names": "、".join(missing)},
                code="materials_missing",
                extra={"missing": missing},
            )
        if application.enterprise_id:
            act_on_behalf(
                actor=actor,
                action="application_submit",
                service_code=application.service_item.code if application.service_item_id else application.bundle.code,
                enterprise=application.enterprise,
                object_reference=str(application.pk),
            )
        application.submitted_at = timezone.now()
        if application.bundle_id:
            application.case_number = _next_case_number(BUNDLE_CASE_PREFIX)
            _record(application, to_status=Status.SUBMITTED, actor=actor, role=Role.APPLICANT, comment="")
            application.save(update_fields=["case_number", "submitted_at", "status", "updated_at"])
            _fan_out(application, actor=actor)
            return application
        application.case_number = _next_case_number(application.department.code)
        for field, value in _deadlines(application, start=_today()).items():
            setattr(application, field, value)
        _record(application, to_status=Status.SUBMITTED, actor=actor, role=Role.APPLICANT, comment="")
        application.save(
            update_fields=[
                "case_number",
                "submitted_at",
                "statutory_deadline",
                "promised_deadline",
                "deadline_provisional",
                "status",
                "updated_at",
            ]
        )
    return application


# --- Transitions --------------------------------------------------------------------


def _record(application: Application, *, to_status: str, actor, role: str, comment: str) -> Transition:
    from_status = application.status
    application.status = to_status
    transition = Transition.objects.create(
        application=application, from_status=from_status, to_status=to_status, actor=actor, role=role, comment=comment
    )
    applicant = application.applicant
    notify(
        user=applicant,
        template="applications.status_changed",
        context={
            "case_number": application.case_number or "",
            "service": application.service_item.name if application.service_item_id else "",
            "status": str(Status(to_status).label),
            "status_code": to_status,
            "comment": comment,
        },
        link=f"/my/applications/{application.case_number}/",
    )
    return transition


def application_transition(*, application_id: int, to_status: str, actor, comment: str = "") -> Application:
    """Move a case to ``to_status`` if the table allows it and ``actor`` may.

    Idempotent: asking again for the status the case is already in (e.g. two
    officials approving at once) changes nothing and records nothing.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("applicant", "service_item", "service_version")
            .get(pk=application_id)
        )
        if application.status == to_status:
            return application
        role = ALLOWED_TRANSITIONS.get((application.status, to_status))
        if role is None:
            raise ApplicationError(
                _("办件当前为“%(current)s”，不能变更为“%(target)s”。")
                % {"current": Status(application.status).label, "target": Status(to_status).label},
                code="transition_not_allowed",
                status=409,
            )
        if role == Role.APPLICANT and application.applicant_id != actor.pk:
            raise ApplicationError(_("无权操作该办件。"), code="not_yours", status=404)
        if role == Role.OFFICIAL and not official_may_process(user=actor, application=application):
            raise ApplicationError(_("该办件不属于您所在的部门。"), code="not_your_department", status=403)
        if to_status in (Status.REFUSED, Status.DENIED, Status.SUPPLEMENT_REQUESTED) and not comment.strip():
            raise ApplicationError(_("请填写理由或补正要求。"), code="comment_required")

        fields = ["status", "updated_at"]
        today = _today()
        if to_status == Status.SUPPLEMENT_REQUESTED:
            # 补正: the clock pauses until the applicant answers.
            application.paused_since = today
            fields.append("paused_since")
            SupplementRequest.objects.create(application=application, requested_by=actor, message=comment.strip())
        elif application.status == Status.SUPPLEMENT_REQUESTED and application.paused_since:
            paused = max(working_days_between(application.paused_since, today), 0)
            application.paused_working_days += paused
            if paused and application.promised_deadline:
                application.promised_deadline = add_working_days(application.promised_deadline, paused).date
                application.statutory_deadline = add_working_days(application.statutory_deadline, paused).date
            application.paused_since = None
            fields += ["paused_working_days", "promised_deadline", "statutory_deadline", "paused_since"]
            if to_status == Status.RESUBMITTED:
                SupplementRequest.objects.filter(application=application, fulfilled_at__isnull=True).update(
                    fulfilled_at=timezone.now()
                )
        if to_status in DECIDED_STATUSES and application.decided_at is None:
            application.decided_at = timezone.now()
            fields.append("decided_at")
        if to_status == Status.CONCLUDED:
            application.concluded_at = timezone.now()
            fields.append("concluded_at")
        _record(application, to_status=to_status, actor=actor, role=role, comment=comment.strip())
        application.save(update_fields=fields)
        if application.parent_id and to_status in (Status.CONCLUDED, Status.REFUSED, Status.WITHDRAWN):
            _conclude_parent_when_done(application.parent_id, actor=actor)
    return application


def _conclude_parent_when_done(parent_id: int, *, actor) -> None:
    parent = Application.objects.select_for_update(of=("self",)).get(pk=parent_id)
    open_children = parent.sub_cases.exclude(status__in=(Status.CONCLUDED, Status.REFUSED, Status.WITHDRAWN))
    if parent.status != Status.CONCLUDED and not open_children.exists():
        parent.concluded_at = timezone.now()
        _record(parent, to_status=Status.CONCLUDED, actor=None, role=Role.SYSTEM, comment=_("所有子办件均已办结。"))
        parent.save(update_fields=["status", "concluded_at", "updated_at"])


def application_claim(*, application_id: int, official) -> Application:
    """An official takes a case from the queue (idempotent for the same official)."""
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        if not official_may_process(user=official, application=application):
            raise ApplicationError(_("该办件不属于您所在的部门。"), code="not_your_department", status=403)
        if application.assigned_to_id not in (None, official.pk):
            raise ApplicationError(_("该办件已由其他工作人员认领。"), code="already_claimed", status=409)
        if application.assigned_to_id is None:
            application.assigned_to = official
            application.save(update_fields=["assigned_to", "updated_at"])
    return application


def application_assign(*, application_id: int, assigned_by, assignee) -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        if not official_may_process(user=assigned_by, application=application) or not official_may_process(
            user=assignee, application=application
        ):
            raise ApplicationError(_("只能分派给本部门的工作人员。"), code="not_your_department", status=403)
        application.assigned_to = assignee
        application.save(update_fields=["assigned_to", "updated_at"])
    return application


def applications_flag_overdue() -> int:
    """Scheduled: flag open cases past their promised deadline, or untouched for a week."""

    today = _today()
    overdue = Application.objects.filter(status__in=OPEN_STATUSES, promised_deadline__lt=today).exclude(
        flagged="overdue"
    )
    count = overdue.update(flagged="overdue")
    stuck_before = timezone.now() - datetime.timedelta(days=7)
    count += Application.objects.filter(status__in=OPEN_STATUSES, updated_at__lt=stuck_before, flagged="").update(
        flagged="stuck"
    )
    return count
