"""Writes for applications (办件): drafts, materials, submission and every
workflow transition.

Every status change, submission and the system's own moves (a bundle's
fan-out, its parent's conclusion, a withdrawn parent's sub-cases) included,
goes through :func:`application_transition`: it locks the row, checks
``ALLOWED_TRANSITIONS``, is idempotent for a repeated request, runs the hooks
of the target status (``ON_ENTER``, ``AFTER_ENTER``), saves with
``update_fields``, appends a :class:`Transition` and queues the applicant's
notification in the same transaction (the outbox).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import current_client_ip
from common.decisions import CaseDecision, decision_announce
from common.exceptions import ApplicationError
from common.i18n import lazy_display_name
from common.row_by_row import one_at_a_time
from identity.services.acting import act_on_behalf
from notifications.services import notify
from partners.events import event_publish
from services.models import Bundle, Material, ServiceItem

from . import payments_bridge
from .bundles import application_bundle_items, application_requirements, application_schema, bundle_items, merged_schema
from .calendar import add_working_days, working_days_between
from .constants import (
    ALLOWED_TRANSITIONS,
    FINAL_STATUSES,
    OPEN_STATUSES,
    MaterialSource,
    Role,
    ScanStatus,
    Status,
    transition_roles,
)
from .forms import prefill_values, validate_form_data
from .models import Application, CaseSequence, DepartmentOfficial, SubmittedMaterial, SupplementRequest, Transition
from .principals import application_covered_codes, application_principal_resolve
from .scanning import material_scan_queue
from .selectors import official_may_process
from .uploads import check_upload, save_with_file


def _today() -> datetime.date:
    return timezone.localdate()


# --- Drafts -------------------------------------------------------------------------


def application_start(*, applicant, item_code: str, enterprise=None, principal_user=None) -> Application:
    """A draft for the published version of ``item_code``, prefilled from what the portal holds.

    ``enterprise`` or ``principal_user`` say whom it is for (default: the applicant themself);
    :func:`applications.principals.application_principal_resolve` checks the applicant may
    apply for them. A proxy's draft is prefilled with the principal's identity.
    """
    item = (
        ServiceItem.objects.select_related("published_version", "department")
        .filter(code=item_code, published_version__isnull=False)
        .first()
    )
    if item is None:
        raise ApplicationError(_("该事项暂不可在线办理。"), code="item_unavailable", status=404)
    version = item.published_version
    principal = application_principal_resolve(
        actor=applicant, service_or_bundle=item, enterprise=enterprise, principal_user=principal_user
    )
    if applicant.current_assurance_level < version.minimum_assurance_level:
        raise ApplicationError(
            _("办理该事项需要先完成实名认证。"),
            code="assurance_too_low",
            status=403,
            extra={"verify_url": "/account/verify/"},
        )
    existing = Application.objects.filter(
        applicant=applicant,
        service_version=version,
        status=Status.DRAFT,
        enterprise=principal.enterprise,
        principal_user=principal.user,
    ).first()
    if existing is not None:
        return existing
    data, sources = prefill_values(
        version.form_schema, applicant=principal.user or applicant, enterprise=principal.enterprise
    )
    return Application.objects.create(
        applicant=applicant,
        enterprise=principal.enterprise,
        principal_user=principal.user,
        service_item=item,
        service_version=version,
        department=item.department,
        form_data=data,
        field_sources=sources,
    )


def application_start_bundle(*, applicant, bundle_code: str, enterprise=None, principal_user=None) -> Application:
    """A draft for a bundle (一件事): one merged form over all its items, for the principal
    :func:`applications.principals.application_principal_resolve` allows (a mandate must cover
    every item)."""
    bundle = Bundle.objects.filter(code=bundle_code).first()
    items = bundle_items(bundle) if bundle else []
    if not items:
        raise ApplicationError(_("该一件事暂不可在线办理。"), code="bundle_unavailable", status=404)
    principal = application_principal_resolve(
        actor=applicant, service_or_bundle=bundle, enterprise=enterprise, principal_user=principal_user
    )
    if applicant.current_assurance_level < max(item.published_version.minimum_assurance_level for item in items):
        raise ApplicationError(_("办理该事项需要先完成实名认证。"), code="assurance_too_low", status=403)
    existing = Application.objects.filter(
        applicant=applicant,
        bundle=bundle,
        parent__isnull=True,
        status=Status.DRAFT,
        enterprise=principal.enterprise,
        principal_user=principal.user,
    ).first()
    if existing is not None:
        return existing
    data, sources = prefill_values(
        merged_schema(items), applicant=principal.user or applicant, enterprise=principal.enterprise
    )
    return Application.objects.create(
        applicant=applicant,
        enterprise=principal.enterprise,
        principal_user=principal.user,
        bundle=bundle,
        form_data=data,
        field_sources=sources,
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
        # If the broker is down at commit, the beat sweeper queues the scan later.
        transaction.on_commit(lambda: material_scan_queue(material_id=material.pk))
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


def application_missing_materials(application: Application) -> list[str]:
    """The names of the mandatory materials nothing was given for yet."""
    required = {m.name for m in application_requirements(application) if m.mandatory}
    given = set(application.materials.values_list("requirement__name", flat=True))
    return sorted(required - given)


def application_submit(*, application: Application, actor) -> Application:
    """Submit a draft: validate the form and materials, then move it to "submitted".

    Only a draft may be submitted: the table decides, through the same check
    as every other change (an accepted case is refused, never re-numbered).
    Numbering, deadlines and a bundle's fan-out are the hooks of "submitted".
    """
    with transaction.atomic():
        application = _locked_with(
            application.pk,
            "applicant",
            "service_version",
            "service_item",
            "department",
            "enterprise",
            "bundle",
            "principal_user",
        )
        if application.applicant_id != actor.pk:
            raise ApplicationError(_("无权提交该申请。"), code="not_yours", status=404)
        if application.status == Status.SUBMITTED:
            return application  # a repeated click
        transition_check(application=application, to_status=Status.SUBMITTED, actor=actor)
        errors = validate_form_data(application_schema(application), application.form_data)
        if errors:
            raise ApplicationError(_("表单填写不完整或有误。"), code="form_invalid", extra={"errors": errors})
        missing = application_missing_materials(application)
        if missing:
            raise ApplicationError(
                _("还缺少必要材料：%(names)s。") % {"names": "、".join(missing)},
                code="materials_missing",
                extra={"missing": missing},
            )
        if application.enterprise_id or application.acted_for_someone:
            # Checked again at the moment of acting (a mandate may have ended since the draft
            # began) and recorded in this transaction: a refusal rolls the submission back.
            target = application.service_item if application.service_item_id else application.bundle
            act_on_behalf(
                actor=actor,
                action="application_submit",
                service_code=target.code,
                covering=application_covered_codes(application),
                enterprise=application.enterprise,
                principal_user=None if application.enterprise_id else application.principal_user,
                object_reference=str(application.pk),
            )
        # "Submitted" is not a final status, so application_lock would lock this case alone too.
        return application_transition_locked(application=application, to_status=Status.SUBMITTED, actor=actor)


# --- Transitions --------------------------------------------------------------------

# A reason is required for these.
COMMENT_REQUIRED = (Status.REFUSED, Status.DENIED, Status.SUPPLEMENT_REQUESTED)


@dataclass
class Move:
    """One status change in progress, as the hooks see it."""

    application: Application
    from_status: str
    to_status: str
    actor: object | None
    role: str
    comment: str
    now: datetime.datetime
    fields: set[str]

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)


def _is_bundle_parent(application: Application) -> bool:
    return bool(application.bundle_id) and application.parent_id is None


# Hooks that change the case itself, run before it is saved (add what they set to ``move.fields``).


def _stamp_submission(move: Move) -> None:
    """Number the case (bundle parents YJS-…, everything else by department) and note the time."""
    application = move.application
    prefix = BUNDLE_CASE_PREFIX if _is_bundle_parent(application) else application.department.code
    application.case_number = _next_case_number(prefix)
    application.submitted_at = move.now
    move.fields |= {"case_number", "submitted_at"}


def _start_clock(move: Move) -> None:
    """Statutory and promised deadlines, in working days from today (a bundle parent has none)."""
    application = move.application
    if not application.service_version_id:
        return
    for field_name, value in _deadlines(application, start=move.today).items():
        setattr(application, field_name, value)
        move.fields.add(field_name)


def _pause_clock(move: Move) -> None:
    """补正: the clock pauses until the applicant answers."""
    move.application.paused_since = move.today
    move.fields.add("paused_since")


def _open_supplement_request(move: Move) -> None:
    SupplementRequest.objects.create(application=move.application, requested_by=move.actor, message=move.comment)


def _resume_clock(move: Move) -> None:
    """Leaving a supplement request: the deadlines move by the working days the clock stood still."""
    application = move.application
    if move.from_status != Status.SUPPLEMENT_REQUESTED or not application.paused_since:
        return
    paused = max(working_days_between(application.paused_since, move.today), 0)
    application.paused_working_days += paused
    if paused and application.promised_deadline:
        application.promised_deadline = add_working_days(application.promised_deadline, paused).date
        application.statutory_deadline = add_working_days(application.statutory_deadline, paused).date
    application.paused_since = None
    move.fields |= {"paused_working_days", "promised_deadline", "statutory_deadline", "paused_since"}


def _fulfil_supplement_request(move: Move) -> None:
    SupplementRequest.objects.filter(application=move.application, fulfilled_at__isnull=True).update(
        fulfilled_at=move.now
    )


def _stamp_decided(move: Move) -> None:
    if move.application.decided_at is None:
        move.application.decided_at = move.now
        move.fields.add("decided_at")


def _stamp_concluded(move: Move) -> None:
    move.application.concluded_at = move.now
    move.fields.add("concluded_at")


# Hooks that act beyond the case, run after it and its transition are saved.


def _fan_out_bundle(move: Move) -> None:
    """A submitted bundle parent becomes one sub-case per item, each submitted by the system
    through the table, with the parent's answers and files for that item."""
    parent = move.application
    if not _is_bundle_parent(parent):
        return
    materials = list(parent.materials.select_related("requirement"))
    items = application_bundle_items(parent)
    names_by_version: dict[int, set[str]] = {}
    for version_id, name in Material.objects.filter(
        version__in=[item.published_version_id for item in items]
    ).values_list("version_id", "name"):
        names_by_version.setdefault(version_id, set()).add(name)
    for item in one_at_a_time(items):  # each sub-case is numbered and submitted on its own
        fields = set((item.published_version.form_schema or {}).get("properties", {}))
        child = Application.objects.create(
            applicant=parent.applicant,
            enterprise=parent.enterprise,
            principal_user=parent.principal_user,
            service_item=item,
            service_version=item.published_version,
            department=item.department,
            bundle=parent.bundle,
            parent=parent,
            form_data={k: v for k, v in parent.form_data.items() if k in fields},
            field_sources={k: v for k, v in parent.field_sources.items() if k in fields},
        )
        names = names_by_version.get(item.published_version_id, set())
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
                    uploaded_by_id=material.uploaded_by_id,
                )
                for material in materials
                if material.requirement and material.requirement.name in names
            ]
        )
        application_transition(application_id=child.pk, to_status=Status.SUBMITTED, actor=None, system=True)


def _withdraw_open_sub_cases(move: Move) -> None:
    """A withdrawn bundle parent withdraws its undecided sub-cases and tells each department."""
    parent = move.application
    if not _is_bundle_parent(parent):
        return
    withdrawable = [
        frm for (frm, to), roles in ALLOWED_TRANSITIONS.items() if to == Status.WITHDRAWN and Role.SYSTEM in roles
    ]
    comment = _("申请人已撤回一件事申请%(case)s，本办件随之撤回。") % {"case": parent.case_number}
    for child_id in parent.sub_cases.filter(status__in=withdrawable).order_by("pk").values_list("pk", flat=True):
        child = application_lock(application_id=child_id, to_status=Status.WITHDRAWN)
        # Decided meanwhile (its department was quicker): it runs to its conclusion instead.
        if Role.SYSTEM not in transition_roles(child.status, Status.WITHDRAWN):
            continue
        child = application_transition_locked(
            application=child, to_status=Status.WITHDRAWN, actor=None, comment=comment, system=True
        )
        _tell_department_withdrawn(child, parent=parent, reason=move.comment)


def _tell_department_withdrawn(child: Application, *, parent: Application, reason: str) -> None:
    """Each official of the sub-case's department gets a message (outbox): the case left their queue."""
    officials = (
        DepartmentOfficial.objects.filter(department_id=child.department_id, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    for official in officials:
        notify(
            user=official.user,
            template="applications.sub_case_withdrawn",
            context={
                "case_number": child.case_number or "",
                "parent_case_number": parent.case_number or "",
                "service": lazy_display_name(child.service_item) if child.service_item_id else "",
                "reason": reason,
            },
            link=reverse("admin:applications_application_change", args=[child.pk]),
        )


def _conclude_parent_when_done(move: Move) -> None:
    """The parent of a sub-case that ended concludes with the last of them (a withdrawn parent stays so)."""
    child = move.application
    if not child.parent_id:
        return
    parent = Application.objects.get(pk=child.parent_id)  # locked before the child
    if Role.SYSTEM not in transition_roles(parent.status, Status.CONCLUDED):
        return
    if parent.sub_cases.exclude(status__in=FINAL_STATUSES).exists():
        return
    application_transition(
        application_id=parent.pk,
        to_status=Status.CONCLUDED,
        actor=None,
        comment=_("所有子办件均已办结。"),
        system=True,
    )


def _announce_decision(move: Move) -> None:
    """Tell the decision listeners (certificates issues what the item produces), in this transaction."""
    application = move.application
    if application.service_item_id is None:
        return
    decision_announce(
        CaseDecision(
            case_number=application.case_number or "",
            service_code=application.service_item.code,
            status=move.to_status,
            applicant_id=application.applicant_id,
            enterprise_id=application.enterprise_id,
            department_code=application.department.code if application.department_id else "",
            decided_at=move.now,
            form_data=dict(application.form_data or {}),
            principal_user_id=application.principal_user_id,
        )
    )


HookList = tuple[Callable[[Move], None], ...]

# What entering each status does to the case, in order (before it is saved).
ON_ENTER: dict[str, HookList] = {
    Status.SUBMITTED: (_stamp_submission, _start_clock),
    Status.SUPPLEMENT_REQUESTED: (_pause_clock, _open_supplement_request),
    Status.RESUBMITTED: (_resume_clock, _fulfil_supplement_request),
    Status.REFUSED: (_stamp_decided,),
    Status.APPROVED: (_stamp_decided,),
    Status.DENIED: (_stamp_decided,),
    Status.WITHDRAWN: (_resume_clock, _stamp_decided),
    Status.CONCLUDED: (_stamp_decided, _stamp_concluded),
}
# What entering each status does beyond the case (after it and its transition are saved).
AFTER_ENTER: dict[str, HookList] = {
    Status.SUBMITTED: (_fan_out_bundle, payments_bridge.order_fee),
    Status.ACCEPTED: (payments_bridge.order_fee,),
    Status.APPROVED: (_announce_decision,),
    Status.REFUSED: (_conclude_parent_when_done, payments_bridge.refund_fee),
    Status.DENIED: (payments_bridge.refund_fee,),
    Status.WITHDRAWN: (_withdraw_open_sub_cases, _conclude_parent_when_done, payments_bridge.refund_fee),
    Status.CONCLUDED: (_conclude_parent_when_done,),
}


def after_enter_register(status: str, hook: Callable[[Move], None]) -> None:
    """Let a higher layer act when a case enters ``status``; called from its ``AppConfig.ready()``.

    The hook runs inside the move's transaction, after the case and its transition are saved
    (and after this app's own hooks). It may write rows and queue messages through the outbox;
    it must not call out. Registering the same hook twice changes nothing.
    """
    hooks = AFTER_ENTER.get(status, ())
    if hook not in hooks:
        AFTER_ENTER[status] = (*hooks, hook)


def transition_check(*, application: Application, to_status: str, actor, system: bool = False) -> str:
    """The role in which ``actor`` may move ``application`` to ``to_status``; raises if the table,
    or who the actor is, does not allow it. ``system`` is the portal's own move (no actor)."""
    roles = transition_roles(application.status, to_status)
    # The system's moves are made only by the system, and nobody else makes them.
    roles = roles & {Role.SYSTEM} if system else roles - {Role.SYSTEM}
    if not roles:
        raise ApplicationError(
            _("办件当前为“%(current)s”，不能变更为“%(target)s”。")
            % {"current": Status(application.status).label, "target": Status(to_status).label},
            code="transition_not_allowed",
            status=409,
        )
    if system:
        return Role.SYSTEM
    if Role.APPLICANT in roles and actor is not None and application.applicant_id == actor.pk:
        return Role.APPLICANT
    if Role.OFFICIAL in roles:
        if actor is not None and official_may_process(user=actor, application=application):
            return Role.OFFICIAL
        raise ApplicationError(_("该办件不属于您所在的部门。"), code="not_your_department", status=403)
    raise ApplicationError(_("无权操作该办件。"), code="not_yours", status=404)


def application_lock(*, application_id: int, to_status: str) -> Application:
    """Lock a case for a move to ``to_status`` (inside a transaction) and return it.

    A move that ends a sub-case may conclude its parent, and a parent's
    withdrawal moves its sub-cases: both lock the parent before the sub-case,
    so the two never wait on each other. Callers that lock a case before
    calling :func:`application_transition` use this, so the order holds.
    """
    if to_status in FINAL_STATUSES:
        parent_id = Application.objects.filter(pk=application_id).values_list("parent_id", flat=True).first()
        if parent_id is not None:
            list(Application.objects.select_for_update().filter(pk=parent_id).values_list("pk", flat=True))
    return _locked_with(application_id, "applicant", "service_item", "service_version", "department", "bundle")


def _locked_with(application_id: int, *related: str) -> Application:
    """The case, its row locked (``SELECT ... FOR UPDATE`` of that table alone), with ``related``
    read by one primary-key query each, for those that are set (a draft's bundle, enterprise or
    principal is usually empty: no query).

    One statement joining the case to them all made PostgreSQL's planner weigh every order of the
    joins before it locked anything: 12 ms of planning for seven relations and 2.5 ms for five
    (a busy 2-CPU machine; 0.1 ms for the row alone), the largest single cost of a submission
    and of every official's decision."""
    application = Application.objects.select_for_update().get(pk=application_id)
    prefetch_related_objects([application], *related)
    return application


def application_transition(
    *, application_id: int, to_status: str, actor, comment: str = "", system: bool = False
) -> Application:
    """Move a case to ``to_status`` if the table allows it and ``actor`` may.

    The one place a case's status changes. It locks the case
    (:func:`application_lock`: a sub-case's parent first when the move may
    touch the parent), checks ``ALLOWED_TRANSITIONS``, runs the hooks
    of the target status (``ON_ENTER``), saves with ``update_fields``, appends a
    :class:`Transition`, queues the applicant's notification (outbox), then runs
    the hooks that act beyond the case (``AFTER_ENTER``).

    Idempotent: asking again for the status the case is already in (e.g. two
    officials approving at once) changes nothing and records nothing.
    """
    with transaction.atomic():
        application = application_lock(application_id=application_id, to_status=to_status)
        return application_transition_locked(
            application=application, to_status=to_status, actor=actor, comment=comment, system=system
        )


def application_transition_locked(
    *, application: Application, to_status: str, actor, comment: str = "", system: bool = False
) -> Application:
    """:func:`application_transition` for a caller that already locked the case in its open
    transaction, through :func:`application_lock` (which keeps the parent-first order), so
    the row is not locked and read a second time."""
    with transaction.atomic():
        if application.status == to_status:
            return application
        role = transition_check(application=application, to_status=to_status, actor=actor, system=system)
        comment = comment.strip()
        if to_status in COMMENT_REQUIRED and not comment:
            raise ApplicationError(_("请填写理由或补正要求。"), code="comment_required")

        move = Move(
            application=application,
            from_status=application.status,
            to_status=to_status,
            actor=actor,
            role=role,
            comment=comment,
            now=timezone.now(),
            fields={"status", "updated_at"},
        )
        for hook in ON_ENTER.get(to_status, ()):
            hook(move)
        application.status = to_status
        application.save(update_fields=sorted(move.fields))
        Transition.objects.create(
            application=application,
            from_status=move.from_status,
            to_status=to_status,
            actor=actor,
            role=role,
            comment=comment,
            # The request's client IP (audit.context); none for a scheduled task's move.
            client_ip=current_client_ip(),
            created_at=move.now,
        )
        # The applicant, and the person a family proxy applied for: both follow the case.
        recipients = [application.applicant]
        if application.principal_user_id not in (None, application.applicant_id):
            recipients.append(application.principal_user)
        for recipient in recipients:
            notify(
                user=recipient,
                template="applications.status_changed",
                context={
                    "case_number": application.case_number or "",
                    # Lazy: resolved in the recipient's language by notify().
                    "service": lazy_display_name(application.service_item) if application.service_item_id else "",
                    "status": Status(to_status).label,
                    "status_code": to_status,
                    "comment": comment,
                },
                link=f"/my/applications/{application.case_number}/",
            )
        if application.case_number:
            # Partners following the applicant's cases (with consent) hear of it through the outbox.
            event_publish(
                event_type="application.status_changed",
                resource_type="application",
                resource_id=application.case_number,
                data={
                    "case_number": application.case_number,
                    "service_code": application.service_item.code if application.service_item_id else "",
                    "from_status": move.from_status,
                    "to_status": to_status,
                    "at": move.now.isoformat(),
                },
                user=application.applicant,
            )
        for hook in AFTER_ENTER.get(to_status, ()):
            hook(move)
    return application


# --- Deadlines after a calendar change ------------------------------------------------


def deadline_recompute_provisional(*, year: int | None = None, actor=None, reason: str = "") -> int:
    """Recompute deadlines after officials changed the working-day calendar; returns how many changed.

    Recomputes every open case whose deadline is provisional (it reached a
    year nobody had entered) and, with ``year``, every open case whose count
    runs through that year (its holidays may have changed). A deadline is
    counted from the submission date over the limit plus the working days the
    clock was paused, exactly as submission and resumption count it. Each
    change is recorded (:class:`DeadlineRevision`) and the applicant is told
    (outbox); the case page reads the corrected date. Idempotent.
    """
    from .calendar import WorkingCalendar
    from .models import DeadlineRevision

    candidates = Q(deadline_provisional=True)
    if year is not None:
        candidates |= Q(submitted_at__year__lte=year, statutory_deadline__year__gte=year)
        candidates |= Q(submitted_at__year__lte=year, promised_deadline__year__gte=year)
    reason = reason or _("节假日安排已更新。")
    changed = 0
    with transaction.atomic():
        cases = list(
            Application.objects.select_for_update(of=("self",))
            .filter(candidates, service_version__isnull=False, submitted_at__isnull=False)
            .exclude(status__in=(Status.DRAFT, *FINAL_STATUSES))
            .select_related("service_version", "service_item", "applicant")
            .order_by("pk")  # parents before their sub-cases, as application_transition locks them
        )
        if not cases:
            return 0
        starts = {case.pk: timezone.localdate(case.submitted_at) for case in cases}
        longest = max(
            max(case.service_version.statutory_limit_days, case.service_version.promised_limit_days)
            + case.paused_working_days
            for case in cases
        )
        calendar = WorkingCalendar(
            first_year=min(starts.values()).year,
            last_year=(max(starts.values()) + datetime.timedelta(days=longest * 2 + 30)).year,
        )
        for case in cases:
            version, start = case.service_version, starts[case.pk]
            paused = case.paused_working_days
            statutory = add_working_days(start, version.statutory_limit_days + paused, calendar=calendar)
            promised = add_working_days(start, version.promised_limit_days + paused, calendar=calendar)
            provisional = statutory.provisional or promised.provisional
            if (case.statutory_deadline, case.promised_deadline, case.deadline_provisional) == (
                statutory.date,
                promised.date,
                provisional,
            ):
                continue
            DeadlineRevision.objects.create(
                application=case,
                old_statutory_deadline=case.statutory_deadline,
                new_statutory_deadline=statutory.date,
                old_promised_deadline=case.promised_deadline,
                new_promised_deadline=promised.date,
                was_provisional=case.deadline_provisional,
                provisional=provisional,
                reason=reason[:200],
                changed_by=actor,
            )
            case.statutory_deadline, case.promised_deadline = statutory.date, promised.date
            case.deadline_provisional = provisional
            case.save(update_fields=["statutory_deadline", "promised_deadline", "deadline_provisional", "updated_at"])
            notify(
                user=case.applicant,
                template="applications.deadline_corrected",
                context={
                    "case_number": case.case_number or "",
                    "service": lazy_display_name(case.service_item) if case.service_item_id else "",
                    "promised_deadline": promised.date.isoformat(),
                    "provisional": provisional,
                },
                link=f"/my/applications/{case.case_number}/",
            )
            changed += 1
    return changed


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
