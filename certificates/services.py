"""Writes for e-certificates: issuing, revoking, superseding, consented sharing and the use log.

Every status change locks the row, checks ``ALLOWED_TRANSITIONS``, is
idempotent, saves with ``update_fields``, appends a
:class:`CertificateTransition` and tells the holder through the outbox.
"""

import datetime
import logging
import secrets
import uuid
from functools import cache

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.decisions import CaseDecision, DecisionListener
from common.exceptions import ApplicationError
from identity.models import Enterprise
from notifications.services import notify
from partners.events import event_publish

from .constants import ALLOWED_TRANSITIONS, CertificateStatus, HolderKind, ShareRecipientKind, UseKind
from .models import Certificate, CertificateTransition, CertificateType, Share, UseLog
from .signing import certificate_payload, sign

logger = logging.getLogger(__name__)

MAX_SHARE_DAYS = 90


# --- Issuing ------------------------------------------------------------------------------


def _holder_values(*, user, enterprise) -> tuple[str, str]:
    if enterprise is not None:
        return enterprise.name, enterprise.uscc_masked
    return (user.real_name or user.display_name or user.username), user.id_number_masked


def _field_values(ctype: CertificateType, *, form_data: dict, holder_name: str, holder_identifier: str) -> dict:
    values = {}
    for spec in ctype.fields:
        source = spec.get("from") or spec["key"]
        if source == "holder.name":
            value = holder_name
        elif source == "holder.identifier":
            value = holder_identifier
        else:
            value = form_data.get(source, spec.get("default", ""))
        values[spec["key"]] = value if isinstance(value, str | int | float | bool) else str(value)
    return values


def _number(ctype: CertificateType, today: datetime.date) -> str:
    return f"{ctype.code[:12].upper()}-{today:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


def certificate_issue(
    *,
    ctype: CertificateType,
    holder_user=None,
    holder_enterprise=None,
    form_data: dict | None = None,
    case_number: str = "",
    service_code: str = "",
    actor=None,
    issued_on: datetime.date | None = None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Issue one certificate of ``ctype``; for a case, at most one per (case, type).

    Idempotent: issuing again for the same case returns the certificate already
    issued. Two issuers racing for the same case meet the unique constraint
    (issuing_case_number, type): the loser finds the winner's row.
    """
    if case_number:
        existing = Certificate.objects.filter(issuing_case_number=case_number, type=ctype).first()
        if existing is not None:
            return existing
    if (holder_user is None) == (holder_enterprise is None):
        raise ApplicationError(_("证照须有且仅有一个持证主体。"), code="holder_invalid")
    holder_name, holder_identifier = _holder_values(user=holder_user, enterprise=holder_enterprise)
    issued_on = issued_on or timezone.localdate()
    certificate = Certificate(
        number=_number(ctype, issued_on),
        type=ctype,
        holder_user=holder_user,
        holder_enterprise=holder_enterprise,
        holder_name=holder_name,
        holder_identifier=holder_identifier,
        fields=_field_values(
            ctype, form_data=form_data or {}, holder_name=holder_name, holder_identifier=holder_identifier
        ),
        public_fields=ctype.public_keys,
        issued_on=issued_on,
        valid_until=issued_on + datetime.timedelta(days=ctype.validity_days) if ctype.validity_days else None,
        issuing_case_number=case_number,
        issuing_service_code=service_code,
        department_name=ctype.department.name,
        supersedes=supersedes,
    )
    certificate.kid, certificate.signature = sign(certificate_payload(certificate))
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        if not case_number:
            raise
        # Issued concurrently for the same case: the other one stands.
        return Certificate.objects.get(issuing_case_number=case_number, type=ctype)
    CertificateTransition.objects.create(
        certificate=certificate, from_status="", to_status=CertificateStatus.VALID, actor=actor, reason=case_number
    )
    _notify_holder(certificate, template="certificates.issued")
    _publish(certificate, "certificate.issued")
    transaction.on_commit(lambda: queue_pdf(certificate.pk))
    return certificate


def queue_pdf(certificate_id: int) -> None:
    from .tasks import certificate_render_pdf

    try:
        certificate_render_pdf.delay(certificate_id)
    except Exception as exc:  # broker down: the PDF is rendered on first download instead
        logger.warning("certificate PDF not queued (%s); rendered on first download", exc.__class__.__name__)


def certificates_issue_for_decision(decision: CaseDecision) -> list[Certificate]:
    """Issue every type the approved item produces to the case's holder (idempotent)."""
    if decision.status != "approved" or not decision.case_number:
        return []
    User = get_user_model()
    issued = []
    # Filtered in Python: JSON containment is not available on SQLite (the embedded default).
    types = [
        ctype
        for ctype in CertificateType.objects.select_related("department").order_by("code")
        if decision.service_code in ctype.issued_by_items
    ]

    @cache  # one lookup per kind of holder, however many types the item issues
    def holder_of(kind: str) -> dict:
        if kind == HolderKind.ENTERPRISE:
            return {"holder_enterprise": Enterprise.objects.get(pk=decision.enterprise_id)}
        # A personal certificate belongs to whom the case is for, not to a proxy who applied for them.
        return {"holder_user": User.objects.get(pk=decision.principal_user_id or decision.applicant_id)}

    for ctype in types:
        if ctype.holder_kind == HolderKind.ENTERPRISE and decision.enterprise_id is None:
            continue
        holder = holder_of(ctype.holder_kind)
        issued.append(
            certificate_issue(
                ctype=ctype,
                form_data=decision.form_data,
                case_number=decision.case_number,
                service_code=decision.service_code,
                **holder,
            )
        )
    return issued


class IssueOnApproval(DecisionListener):
    """Registered in ``common.decisions.decision_listeners`` from ``CertificatesConfig.ready()``."""

    def case_decided(self, decision: CaseDecision) -> None:
        certificates_issue_for_decision(decision)


# --- Revoking and superseding -------------------------------------------------------------


def _holder_users(certificate: Certificate) -> list:
    if certificate.holder_user_id:
        return [certificate.holder_user]
    representative = certificate.holder_enterprise.legal_representative
    return [representative] if representative is not None else []


def _notify_holder(certificate: Certificate, *, template: str, reason: str = "") -> None:
    for user in _holder_users(certificate):
        notify(
            user=user,
            template=template,
            context={"certificate": certificate.type.name, "number": certificate.number, "reason": reason},
            link=reverse("certificates:detail", args=[certificate.uuid]),
        )


def _publish(certificate: Certificate, event_type: str, *, share_client_ids=()) -> None:
    """Tell partners (webhooks, through the outbox) in the transaction of the change."""
    event_publish(
        event_type=event_type,
        resource_type="certificate",
        resource_id=certificate.number,
        data={
            "certificate_number": certificate.number,
            "type_code": certificate.type.code,
            "at": (certificate.status_changed_at or timezone.now()).isoformat(),
        },
        user=certificate.holder_user,
        share_client_ids=share_client_ids,
    )


# What an official is told when revoking or superseding: no reason given, not the issuing department.
_OFFICIAL_REFUSALS = {
    CertificateStatus.REVOKED: (
        gettext_lazy("请填写吊销原因。"),
        gettext_lazy("只有发证部门的工作人员可以吊销该证照。"),
    ),
    CertificateStatus.SUPERSEDED: (
        gettext_lazy("请填写换发原因。"),
        gettext_lazy("只有发证部门的工作人员可以换发该证照。"),
    ),
}


def _official_transition(*, certificate_id: int, to_status: str, actor, reason: str) -> tuple[Certificate, bool]:
    """An official's revocation or supersession: a reason, the issuing department, then the table.

    The row is locked before the department is checked, so it is read once. Returns the
    certificate and whether it changed (asking again for its current status changes nothing).
    """
    reason_missing, not_yours = _OFFICIAL_REFUSALS[to_status]
    if not reason:
        raise ApplicationError(str(reason_missing), code="reason_required")
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("type", "type__department", "holder_user", "holder_enterprise")
        .get(pk=certificate_id)
    )
    if not official_may_manage(user=actor, certificate=certificate):
        raise ApplicationError(str(not_yours), code="not_your_department", status=403)
    if certificate.status == to_status:
        return certificate, False
    if (certificate.status, to_status) not in ALLOWED_TRANSITIONS:
        raise ApplicationError(
            _("证照当前为“%(current)s”，不能变更为“%(target)s”。")
            % {
                "current": CertificateStatus(certificate.status).label,
                "target": CertificateStatus(to_status).label,
            },
            code="transition_not_allowed",
            status=409,
        )
    from_status = certificate.status
    certificate.status = to_status
    certificate.status_reason = reason[:300]
    certificate.status_changed_at = timezone.now()
    certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
    CertificateTransition.objects.create(
        certificate=certificate, from_status=from_status, to_status=to_status, actor=actor, reason=reason[:300]
    )
    return certificate, True


def official_may_manage(*, user, certificate: Certificate) -> bool:
    """Officials of the issuing department (or superusers) revoke and supersede."""
    if user.is_superuser:
        return True
    # department_roles: the officials' department memberships (read through the user, no import).
    return user.is_staff and user.department_roles.filter(department_id=certificate.type.department_id).exists()


def certificate_revoke(*, certificate_id: int, actor, reason: str) -> Certificate:
    reason = (reason or "").strip()
    with transaction.atomic():
        certificate, changed = _official_transition(
            certificate_id=certificate_id,
            to_status=CertificateStatus.REVOKED,
            actor=actor,
            reason=reason,
        )
        if changed:
            _notify_holder(certificate, template="certificates.revoked", reason=reason)
            # Partners holding a share of it hear of the revocation too.
            share_clients = certificate.shares.filter(withdrawn_at__isnull=True).exclude(recipient_client_id="")
            _publish(
                certificate,
                "certificate.revoked",
                share_client_ids=list(share_clients.values_list("recipient_client_id", flat=True)),
            )
    return certificate


def certificate_supersede(*, certificate_id: int, actor, reason: str, fields: dict | None = None) -> Certificate:
    """Replace a certificate by a new one (换发) with ``fields`` changed; returns the new certificate."""
    reason = (reason or "").strip()
    with transaction.atomic():
        old, changed = _official_transition(
            certificate_id=certificate_id,
            to_status=CertificateStatus.SUPERSEDED,
            actor=actor,
            reason=reason,
        )
        if not changed:
            return old.superseded_by
        new = certificate_issue(
            ctype=old.type,
            holder_user=old.holder_user,
            holder_enterprise=old.holder_enterprise,
            form_data={**old.fields, **(fields or {})},
            actor=actor,
            supersedes=old,
        )
        # The new certificate keeps the old one's values unless changed.
        _notify_holder(old, template="certificates.superseded", reason=reason)
    return new


def certificate_set_public_fields(*, certificate: Certificate, keys: list[str]) -> Certificate:
    """The holder chooses which fields the public verification page shows (only the type's fields)."""
    chosen = set(keys)
    certificate.public_fields = [spec["key"] for spec in certificate.type.fields if spec["key"] in chosen]
    certificate.save(update_fields=["public_fields"])
    return certificate


# --- Consented sharing (授权用证) and the use log ---------------------------------------------


def use_record(*, certificate: Certificate, kind: str, party: str, purpose: str = "", share=None, outcome=""):
    return UseLog.objects.create(
        certificate=certificate, share=share, kind=kind, party=party[:200], purpose=purpose[:200], outcome=outcome
    )


def share_create(
    *,
    certificate: Certificate,
    actor,
    recipient: str,
    purpose: str,
    valid_from: datetime.datetime | None = None,
    valid_until: datetime.datetime,
    recipient_kind: str = ShareRecipientKind.LINK,
    recipient_client_id: str = "",
    case_reference: str = "",
) -> Share:
    recipient, purpose = (recipient or "").strip(), (purpose or "").strip()
    if not recipient or not purpose:
        raise ApplicationError(_("请填写接收方和用途。"), code="share_incomplete")
    now = timezone.now()
    valid_from = valid_from or now
    if valid_until <= valid_from or valid_until <= now:
        raise ApplicationError(_("授权截止时间须晚于开始时间和当前时间。"), code="share_window_invalid")
    if valid_until - valid_from > datetime.timedelta(days=MAX_SHARE_DAYS):
        raise ApplicationError(_("授权期限最长%(days)s天。") % {"days": MAX_SHARE_DAYS}, code="share_window_too_long")
    if certificate.state() != CertificateStatus.VALID:
        raise ApplicationError(_("该证照已失效，不能授权使用。"), code="certificate_not_valid", status=409)
    return Share.objects.create(
        certificate=certificate,
        token=secrets.token_urlsafe(24),
        recipient_kind=recipient_kind,
        recipient=recipient[:200],
        recipient_client_id=recipient_client_id,
        purpose=purpose[:200],
        case_reference=case_reference,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor,
    )


def share_withdraw(*, share_id: int, actor) -> Share:
    """Withdraw consent: from this moment the recipient is refused. Idempotent."""
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share_id)
        if share.withdrawn_at is None:
            share.withdrawn_at = timezone.now()
            share.save(update_fields=["withdrawn_at"])
    return share


def share_open(*, token: str, client_id: str = "") -> Share:
    """The recipient opens a share; every opening (and refusal) is in the holder's log.

    A share with a partner opens only for that partner's OAuth2 client (``client_id``),
    through the API; a link share opens from its link."""
    share = Share.objects.select_related("certificate", "certificate__type").filter(token=token).first()
    if share is not None and share.recipient_kind == ShareRecipientKind.PARTNER:
        if not client_id or client_id != share.recipient_client_id:
            share = None
    elif share is not None and client_id:
        share = None  # a partner asking for a share that is not theirs
    if share is None:
        raise ApplicationError(_("授权链接无效。"), code="share_unknown", status=404)
    if not share.is_open():
        use_record(
            certificate=share.certificate,
            share=share,
            kind=UseKind.SHARE_REFUSED,
            party=share.recipient,
            purpose=share.purpose,
        )
        raise ApplicationError(_("持证人已撤回授权或授权已过期。"), code="share_closed", status=410)
    use_record(
        certificate=share.certificate,
        share=share,
        kind=UseKind.SHARE_OPENED,
        party=share.recipient,
        purpose=share.purpose,
    )
    return share
