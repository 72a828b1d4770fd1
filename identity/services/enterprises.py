"""Writes for enterprises (法人), agents' mandates (经办人授权) and family proxies (亲友代办).

Each state change locks the row it changes (``select_for_update``), is
idempotent (granting the same thing twice or revoking twice changes nothing),
saves with ``update_fields`` and leaves an :class:`~identity.models.ActingRecord`
so the enterprise's or resident's log shows who did it.
"""

import datetime
import re
from collections.abc import Iterable
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from notifications.services import notify
from notifications.templates import register_template

from ..models import (
    DISPUTE_TRANSITIONS,
    DisputeStatus,
    Enterprise,
    EnterpriseDispute,
    EnterpriseEvent,
    EnterpriseEventAction,
    EnterpriseStatus,
    Mandate,
    ProxyAuthorisation,
    User,
)
from ..personal_data import uscc_columns
from ..validators import normalize_uscc
from ..verification import EnterpriseOutcome, get_enterprise_verifier
from .acting import (
    ACTION_ENTERPRISE_REGISTER,
    ACTION_MANDATE_GRANT,
    ACTION_MANDATE_REVOKE,
    ACTION_PROXY_GRANT,
    ACTION_PROXY_REVOKE,
    acting_record,
)

__all__ = [
    "acting_record",
    "enterprise_dispute_decide",
    "enterprise_dispute_file",
    "enterprise_register",
    "enterprise_verify",
    "mandate_grant",
    "mandate_revoke",
    "normalize_service_codes",
    "proxy_grant",
    "proxy_revoke",
]

# Service item codes as the catalogue writes them (e.g. ``SCJG-001``): letters,
# digits, dot, dash and underscore, at most 64 long (ActingRecord.service_code).
SERVICE_CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,63}")
# Residents type lists with ASCII or full-width commas, 、 or spaces.
SERVICE_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")
RELATIONSHIP_MAX_LENGTH = ProxyAuthorisation._meta.get_field("relationship").max_length

# Messages to the parties of a registration change (through the outbox).
MESSAGE_ENTERPRISE_TRANSFERRED = "identity.enterprise_transferred"
MESSAGE_DISPUTE_FILED = "identity.enterprise_dispute_filed"
MESSAGE_DISPUTE_DECIDED = "identity.enterprise_dispute_decided"
register_template(
    MESSAGE_ENTERPRISE_TRANSFERRED,
    {
        "zh-hans": (
            "企业登记已转移",
            "经核验，{{ enterprise }}（{{ uscc }}）的法定代表人已确认为他人，您的企业登记及其经办人授权已终止。"
            "如有异议，请联系登记机关或客服。",
        ),
        "en": (
            "Enterprise registration transferred",
            "After verification, another person was confirmed as the legal representative of {{ enterprise }} "
            "({{ uscc }}). Your registration and its agents' mandates have ended. Contact the registry or "
            "the help desk if you disagree.",
        ),
    },
)
register_template(
    MESSAGE_DISPUTE_FILED,
    {
        "zh-hans": (
            "企业登记收到异议",
            "有人对您登记的{{ enterprise }}（{{ uscc }}）提出异议，称其为该企业的法定代表人。工作人员将进行核实。",
        ),
        "en": (
            "Dispute about your enterprise registration",
            "Someone has disputed your registration of {{ enterprise }} ({{ uscc }}), saying they are its legal "
            "representative. Officials will look into it.",
        ),
    },
)
register_template(
    MESSAGE_DISPUTE_DECIDED,
    {
        "zh-hans": (
            "企业登记异议已处理",
            "您对{{ enterprise }}（{{ uscc }}）登记提出的异议已处理："
            "{% if outcome == 'upheld' %}异议成立，企业登记已转给您。{% else %}异议不成立。{% endif %}",
        ),
        "en": (
            "Your enterprise dispute was decided",
            "Your dispute about {{ enterprise }} ({{ uscc }}) has been decided: "
            "{% if outcome == 'upheld' %}upheld; the registration is now yours.{% else %}not upheld.{% endif %}",
        ),
    },
)


def _error(message: str, *, code: str, field: str | None = None, status: int = HTTPStatus.BAD_REQUEST):
    # ``field`` names the form field (and problem+json member) the message belongs to.
    return ApplicationError(message, code=code, status=status, extra={"field": field} if field else None)


def normalize_service_codes(codes: Iterable[str] | str) -> list[str]:
    """Split, upper-case, validate and de-duplicate service codes, keeping their order.

    :raises ApplicationError: ``service_code_invalid`` naming the first bad code.
    """
    if isinstance(codes, str):
        codes = [codes]
    result: list[str] = []
    for chunk in codes:
        for code in SERVICE_CODE_SEPARATORS.split((chunk or "").strip().upper()):
            if not code:
                continue
            if not SERVICE_CODE_PATTERN.fullmatch(code):
                raise _error(
                    _("事项编码“%(code)s”格式不正确：只能包含字母、数字、点、短横线和下划线。") % {"code": code[:70]},
                    code="service_code_invalid",
                    field="service_codes",
                )
            if code not in result:
                result.append(code)
    return result


def _scope(*, service_codes: Iterable[str] | str, all_services: bool) -> list[str]:
    """The stored ``service_codes`` for a grant; empty when it covers everything."""
    codes = normalize_service_codes(service_codes)
    if all_services:
        return []
    if not codes:
        raise _error(
            _("请填写可办理的事项编码，或选择“全部事项”。"), code="service_codes_required", field="service_codes"
        )
    return codes


def _check_valid_until(valid_until: datetime.datetime) -> None:
    if timezone.is_naive(valid_until):
        # Naive datetimes are a programming error here: the caller decides the zone.
        raise TypeError("valid_until must be timezone-aware.")
    if valid_until <= timezone.now():
        raise _error(_("有效期必须晚于当前时间。"), code="valid_until_past", field="valid_until")


def _active_user(*, user: User | None, mobile: str, field: str, missing_message: str) -> User:
    """``user`` itself, or the active account registered with ``mobile``."""
    if user is None:
        # Stored mobiles are 11 bare digits; people also type spaces, dashes and +86.
        mobile = (mobile or "").strip().replace(" ", "").replace("-", "").removeprefix("+86")
        user = User.objects.filter(mobile=mobile, is_active=True).first() if mobile else None
    if user is None or not user.is_active:
        raise _error(missing_message, code=f"{field.removesuffix('_mobile')}_not_found", field=field)
    return user


# ------------------------------------------------------------------------------
# Enterprises
# ------------------------------------------------------------------------------
def _event(
    *,
    actor: User,
    action: str,
    uscc_masked: str,
    enterprise: Enterprise | None = None,
    from_holder: User | None = None,
    to_holder: User | None = None,
    provider: str = "",
    outcome: str = "",
    reference: str = "",
    reason: str = "",
) -> EnterpriseEvent:
    """Append one step to the enterprise registration record (who, when, what, why)."""
    return EnterpriseEvent.objects.create(
        enterprise=enterprise,
        uscc_masked=uscc_masked,
        actor=actor,
        action=action,
        from_holder=from_holder,
        to_holder=to_holder,
        provider=provider[:50],
        outcome=outcome[:30],
        reference=reference[:100],
        reason=reason,
    )


def _refusal(outcome: str) -> ApplicationError:
    """What the resident is told when the authoritative source does not confirm them."""
    if outcome == EnterpriseOutcome.NO_RECORD:
        return _error(
            _("登记机关没有该统一社会信用代码的记录，请对照营业执照核对。"),
            code="enterprise_no_record",
            field="uscc",
            status=HTTPStatus.UNPROCESSABLE_ENTITY,
        )
    if outcome == EnterpriseOutcome.NAME_MISMATCH:
        return _error(
            _("企业名称与登记机关的记录不一致，请按营业执照填写企业全称。"),
            code="enterprise_name_mismatch",
            field="name",
            status=HTTPStatus.UNPROCESSABLE_ENTITY,
        )
    return _error(
        _(
            "登记机关的记录显示您不是该企业的法定代表人，不能登记。"
            "经办人请由法定代表人授权；如您确为法定代表人，请先到登记机关更新登记信息。"
        ),
        code="not_legal_representative_of_record",
        status=HTTPStatus.FORBIDDEN,
    )


def _end_mandates(*, enterprise: Enterprise, by: User) -> None:
    """Revoke every open mandate of ``enterprise`` (the caller holds its row lock)."""
    now = timezone.now()
    for mandate in Mandate.objects.select_for_update().filter(enterprise=enterprise, revoked_at__isnull=True):
        mandate.enterprise = enterprise
        _mandate_close(mandate=mandate, revoked_by=by, now=now)


def _transfer(
    *,
    enterprise: Enterprise,
    to_holder: User,
    actor: User,
    action: str,
    provider: str,
    reference: str,
    reason: str,
    name: str | None = None,
) -> Enterprise:
    """Give a locked enterprise to ``to_holder`` as verified; end its mandates; record and notify."""
    from_holder = enterprise.legal_representative
    enterprise.legal_representative = to_holder
    enterprise.status = EnterpriseStatus.VERIFIED
    enterprise.verified_at = timezone.now()
    enterprise.verification_provider = provider
    enterprise.verification_reference = reference
    if name:
        enterprise.name = name
    enterprise.save(
        update_fields=[
            "legal_representative",
            "status",
            "verified_at",
            "verification_provider",
            "verification_reference",
            "name",
            "updated_at",
        ]
    )
    _end_mandates(enterprise=enterprise, by=actor)
    _event(
        actor=actor,
        action=action,
        enterprise=enterprise,
        uscc_masked=enterprise.uscc_masked,
        from_holder=from_holder,
        to_holder=to_holder,
        provider=provider,
        reference=reference,
        reason=reason,
    )
    acting_record(
        actor=to_holder,
        principal_enterprise=enterprise,
        action=ACTION_ENTERPRISE_REGISTER,
        object_reference=f"enterprise:{enterprise.pk}",
    )
    if from_holder.pk != to_holder.pk:
        notify(
            user=from_holder,
            template=MESSAGE_ENTERPRISE_TRANSFERRED,
            context={"enterprise": enterprise.name, "uscc": enterprise.uscc_masked},
        )
    return enterprise


def enterprise_register(*, representative: User, name: str, uscc: str) -> Enterprise:
    """Register an enterprise with ``representative`` as its legal representative.

    The representative must be real-name verified (assurance level L2 or more).
    The USCC is validated by its GB 32100-2015 check character; then the
    enterprise verifier (``settings.ENTERPRISE_VERIFIER``) must confirm the
    USCC, the name and that the representative's verified identity (name and
    ID number) is its legal representative. Nothing is stored unless it does;
    every attempt is recorded (:class:`~identity.models.EnterpriseEvent`).

    A USCC registered before does not block a confirmed representative: an
    unverified registration, or one held by someone else, is transferred to
    them and its mandates end (the previous holder is notified). Registering
    one's own verified enterprise again changes nothing.

    :raises ApplicationError: ``verification_required`` (403), ``name_required``,
        ``uscc_invalid``, ``enterprise_verification_rate_limited`` (429),
        ``enterprise_verifier_unavailable`` (503), ``enterprise_no_record``,
        ``enterprise_name_mismatch`` (422) or ``not_legal_representative_of_record`` (403).
    """
    # Not ``is_verified``: django-otp's middleware sets that on request.user to say
    # whether the *session* passed a second factor, and a bound method is always truthy.
    if not representative.is_real_name_verified or not (representative.real_name and representative.id_number):
        raise _error(
            _("请先完成实名认证，再以法定代表人身份登记企业。"),
            code="verification_required",
            status=HTTPStatus.FORBIDDEN,
        )
    name = " ".join((name or "").split())
    if not name:
        raise _error(_("请填写企业名称。"), code="name_required", field="name")
    if len(name) > Enterprise._meta.get_field("name").max_length:
        raise _error(_("企业名称过长。"), code="name_too_long", field="name")
    try:
        columns = uscc_columns(normalize_uscc(uscc))
    except ValidationError as exc:
        raise _error(exc.messages[0], code="uscc_invalid", field="uscc") from None

    existing = Enterprise.objects.filter(uscc_digest=columns["uscc_digest"]).first()
    if existing is not None and existing.is_verified and existing.legal_representative_id == representative.pk:
        return existing  # already mine and confirmed: a repeated submit

    since = timezone.now() - datetime.timedelta(days=1)
    attempts = EnterpriseEvent.objects.filter(actor=representative, created_at__gte=since).exclude(provider="")
    if attempts.count() >= settings.ENTERPRISE_VERIFICATION_DAILY_LIMIT:
        raise _error(
            _("今日企业核验次数已用完，请明天再试。"),
            code="enterprise_verification_rate_limited",
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )

    verifier = get_enterprise_verifier()
    result = verifier.verify(
        uscc=columns["uscc"],
        name=name,
        representative_name=representative.real_name,
        representative_id_number=representative.id_number,
    )
    if not result.matched:
        # Recorded and committed even though the registration is refused.
        _event(
            actor=representative,
            action=EnterpriseEventAction.VERIFY_ERROR if result.error else EnterpriseEventAction.VERIFY_REFUSED,
            enterprise=existing,
            uscc_masked=columns["uscc_masked"],
            provider=verifier.identifier,
            outcome=result.outcome,
            reference=result.reference,
            reason=name,
        )
        if result.error:
            raise _error(
                _("企业登记核验服务暂时不可用，请稍后再试。"),
                code="enterprise_verifier_unavailable",
                status=HTTPStatus.SERVICE_UNAVAILABLE,
            )
        raise _refusal(result.outcome)

    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(uscc_digest=columns["uscc_digest"]).first()
        if enterprise is None:
            try:
                # A savepoint, so that losing a race to the unique index leaves the
                # outer transaction usable and the resident can simply retry.
                with transaction.atomic():
                    enterprise = Enterprise.objects.create(
                        name=name,
                        legal_representative=representative,
                        status=EnterpriseStatus.VERIFIED,
                        verified_at=timezone.now(),
                        verification_provider=verifier.identifier,
                        verification_reference=result.reference[:100],
                        **columns,
                    )
            except IntegrityError:
                raise _error(
                    _("该企业正在登记，请稍后刷新页面查看。"), code="uscc_busy", status=HTTPStatus.CONFLICT
                ) from None
            _event(
                actor=representative,
                action=EnterpriseEventAction.REGISTERED,
                enterprise=enterprise,
                uscc_masked=enterprise.uscc_masked,
                to_holder=representative,
                provider=verifier.identifier,
                outcome=result.outcome,
                reference=result.reference,
            )
            acting_record(
                actor=representative,
                principal_enterprise=enterprise,
                action=ACTION_ENTERPRISE_REGISTER,
                object_reference=f"enterprise:{enterprise.pk}",
            )
            return enterprise
        mine = enterprise.legal_representative_id == representative.pk
        return _transfer(
            enterprise=enterprise,
            to_holder=representative,
            actor=representative,
            action=EnterpriseEventAction.VERIFIED if mine else EnterpriseEventAction.TRANSFERRED,
            provider=verifier.identifier,
            reference=result.reference[:100],
            reason="" if mine else "authoritative source confirmed the applicant as legal representative",
            name=name,
        )


def enterprise_verify(*, enterprise: Enterprise, representative: User) -> Enterprise:
    """Ask the verifier about an enterprise registered before verification existed.

    The same check as :func:`enterprise_register`, with the stored name and USCC.

    :raises ApplicationError: ``not_legal_representative`` (403), or what
        :func:`enterprise_register` raises.
    """
    if enterprise.legal_representative_id != representative.pk:
        raise _error(
            _("只有企业的法定代表人可以申请核验。"), code="not_legal_representative", status=HTTPStatus.FORBIDDEN
        )
    return enterprise_register(representative=representative, name=enterprise.name, uscc=enterprise.uscc)


# ------------------------------------------------------------------------------
# Disputes (企业登记异议)
# ------------------------------------------------------------------------------
DISPUTE_REASON_MIN_LENGTH = 10
DISPUTE_REASON_MAX_LENGTH = 2000


@transaction.atomic
def enterprise_dispute_file(*, disputant: User, uscc: str, reason: str) -> EnterpriseDispute:
    """Challenge the registration of the enterprise holding ``uscc``: the disputant
    says they are its legal representative. Officials decide in the admin.

    Idempotent: a second challenge while one is open returns the open one.
    The holder is told through the outbox (without the disputant's identity).

    :raises ApplicationError: ``verification_required`` (403), ``uscc_invalid``,
        ``enterprise_not_registered`` (404), ``dispute_own_enterprise`` or ``reason_required``.
    """
    if not disputant.is_real_name_verified:
        raise _error(
            _("请先完成实名认证，再对企业登记提出异议。"), code="verification_required", status=HTTPStatus.FORBIDDEN
        )
    try:
        digest = uscc_columns(normalize_uscc(uscc))["uscc_digest"]
    except ValidationError as exc:
        raise _error(exc.messages[0], code="uscc_invalid", field="uscc") from None
    reason = (reason or "").strip()
    if not DISPUTE_REASON_MIN_LENGTH <= len(reason) <= DISPUTE_REASON_MAX_LENGTH:
        raise _error(
            _("请说明异议理由（%(min)s至%(max)s字），例如您与该企业的关系和可提供的证明材料。")
            % {"min": DISPUTE_REASON_MIN_LENGTH, "max": DISPUTE_REASON_MAX_LENGTH},
            code="reason_required",
            field="reason",
        )
    enterprise = Enterprise.objects.select_for_update().filter(uscc_digest=digest).first()
    if enterprise is None:
        raise _error(
            _("该统一社会信用代码尚未被登记，您可以直接登记企业。"),
            code="enterprise_not_registered",
            field="uscc",
            status=HTTPStatus.NOT_FOUND,
        )
    if enterprise.legal_representative_id == disputant.pk:
        raise _error(_("您已是该企业登记的法定代表人。"), code="dispute_own_enterprise", field="uscc")
    open_dispute = EnterpriseDispute.objects.filter(
        enterprise=enterprise, disputant=disputant, status=DisputeStatus.OPEN
    ).first()
    if open_dispute is not None:
        return open_dispute
    dispute = EnterpriseDispute.objects.create(
        enterprise=enterprise, disputant=disputant, holder=enterprise.legal_representative, reason=reason
    )
    _event(
        actor=disputant,
        action=EnterpriseEventAction.DISPUTE_FILED,
        enterprise=enterprise,
        uscc_masked=enterprise.uscc_masked,
        from_holder=enterprise.legal_representative,
        reason=reason,
    )
    notify(
        user=enterprise.legal_representative,
        template=MESSAGE_DISPUTE_FILED,
        context={"enterprise": enterprise.name, "uscc": enterprise.uscc_masked},
    )
    return dispute


@transaction.atomic
def enterprise_dispute_decide(
    *, dispute: EnterpriseDispute, official: User, uphold: bool, note: str
) -> EnterpriseDispute:
    """An official's decision on a dispute, by :data:`~identity.models.DISPUTE_TRANSITIONS`.

    Upholding transfers the registration to the disputant (verified by this
    decision) and ends every mandate of the enterprise; rejecting leaves it.
    Both are recorded with the official and their reason, and the parties are
    notified. Deciding the same way twice changes nothing.

    :raises ApplicationError: ``not_allowed`` (403), ``note_required`` or
        ``dispute_decided`` (409) for a different decision on a decided dispute.
    """
    if not (official.is_active and official.is_staff):
        raise _error(_("只有工作人员可以处理异议。"), code="not_allowed", status=HTTPStatus.FORBIDDEN)
    note = (note or "").strip()
    if not note:
        raise _error(_("请填写处理意见。"), code="note_required", field="decision_note")
    dispute = EnterpriseDispute.objects.select_for_update().get(pk=dispute.pk)
    target = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
    if dispute.status == target:
        return dispute
    if target not in DISPUTE_TRANSITIONS[DisputeStatus(dispute.status)]:
        raise _error(_("该异议已处理，不能更改结论。"), code="dispute_decided", status=HTTPStatus.CONFLICT)
    dispute.status = target
    dispute.decided_by = official
    dispute.decided_at = timezone.now()
    dispute.decision_note = note
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    enterprise = (
        Enterprise.objects.select_for_update().select_related("legal_representative").get(pk=dispute.enterprise_id)
    )
    if uphold and enterprise.legal_representative_id != dispute.disputant_id:
        _transfer(
            enterprise=enterprise,
            to_holder=dispute.disputant,
            actor=official,
            action=EnterpriseEventAction.DISPUTE_UPHELD,
            provider="official",
            reference=f"dispute:{dispute.pk}",
            reason=note,
        )
    else:
        # Rejected, or upheld for a disputant who meanwhile took the registration over.
        _event(
            actor=official,
            action=EnterpriseEventAction.DISPUTE_UPHELD if uphold else EnterpriseEventAction.DISPUTE_REJECTED,
            enterprise=enterprise,
            uscc_masked=enterprise.uscc_masked,
            from_holder=enterprise.legal_representative,
            reason=note,
        )
    notify(
        user=dispute.disputant,
        template=MESSAGE_DISPUTE_DECIDED,
        context={"enterprise": enterprise.name, "uscc": enterprise.uscc_masked, "outcome": str(target)},
    )
    return dispute


# ------------------------------------------------------------------------------
# Mandates (经办人授权)
# ------------------------------------------------------------------------------
@transaction.atomic
def mandate_grant(
    *,
    enterprise: Enterprise,
    granted_by: User,
    agent: User | None = None,
    agent_mobile: str = "",
    service_codes: Iterable[str] | str = (),
    all_services: bool = False,
    valid_until: datetime.datetime,
) -> Mandate:
    """Let an agent act for ``enterprise``: for which services, until when.

    Only the enterprise's legal representative may grant. The agent is given
    as a user or by the mobile number of an existing, active account. One agent
    holds one active mandate per enterprise: granting exactly the same scope
    again returns the existing mandate; a different scope revokes the old
    mandate and creates a new one, so history is kept.

    :raises ApplicationError: ``not_legal_representative`` (403), ``agent_not_found``,
        ``agent_is_representative``, ``service_codes_required``, ``service_code_invalid``
        or ``valid_until_past``.
    """
    # Locking the enterprise serialises grants for it, so a double submit cannot
    # create two mandates.
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.legal_representative_id != granted_by.pk:
        raise _error(
            _("只有企业的法定代表人可以授权经办人。"), code="not_legal_representative", status=HTTPStatus.FORBIDDEN
        )
    if not enterprise.is_verified:
        raise _error(
            _("该企业尚未通过登记核验，核验通过后才能授权经办人。"),
            code="enterprise_unverified",
            status=HTTPStatus.FORBIDDEN,
        )
    agent = _active_user(
        user=agent,
        mobile=agent_mobile,
        field="agent_mobile",
        missing_message=_("没有找到使用该手机号码的通办账号，请经办人先注册。"),
    )
    if agent.pk == enterprise.legal_representative_id:
        raise _error(
            _("法定代表人本人可办理企业的全部事项，无需授权。"), code="agent_is_representative", field="agent_mobile"
        )
    codes = _scope(service_codes=service_codes, all_services=all_services)
    _check_valid_until(valid_until)

    now = timezone.now()
    current = list(
        Mandate.objects.select_for_update().filter(
            enterprise=enterprise, agent=agent, revoked_at__isnull=True, valid_until__gt=now
        )
    )
    for mandate in current:
        if (mandate.all_services, mandate.service_codes, mandate.valid_until) == (all_services, codes, valid_until):
            return mandate
    for mandate in current:
        mandate.enterprise = enterprise  # already loaded and locked; saves a query per mandate
        _mandate_close(mandate=mandate, revoked_by=granted_by, now=now)
    mandate = Mandate.objects.create(
        enterprise=enterprise,
        agent=agent,
        service_codes=codes,
        all_services=all_services,
        valid_until=valid_until,
        granted_by=granted_by,
    )
    acting_record(
        actor=granted_by,
        principal_enterprise=enterprise,
        action=ACTION_MANDATE_GRANT,
        object_reference=f"mandate:{mandate.pk}",
    )
    return mandate


def _mandate_close(*, mandate: Mandate, revoked_by: User, now: datetime.datetime) -> None:
    # The caller holds the row lock and has checked the mandate is still open.
    mandate.revoked_at = now
    mandate.save(update_fields=["revoked_at", "updated_at"])
    acting_record(
        actor=revoked_by,
        principal_enterprise=mandate.enterprise,
        action=ACTION_MANDATE_REVOKE,
        object_reference=f"mandate:{mandate.pk}",
    )


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, revoked_by: User) -> Mandate:
    """Revoke a mandate. The legal representative may revoke any of the
    enterprise's mandates; an agent may give up their own. Idempotent:
    revoking a revoked mandate changes and records nothing.

    :raises ApplicationError: ``not_allowed`` (403) for anyone else.
    """
    mandate = Mandate.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=mandate.pk)
    if revoked_by.pk not in (mandate.enterprise.legal_representative_id, mandate.agent_id):
        raise _error(_("您无权撤销该授权。"), code="not_allowed", status=HTTPStatus.FORBIDDEN)
    if mandate.revoked_at is None:
        _mandate_close(mandate=mandate, revoked_by=revoked_by, now=timezone.now())
    return mandate


# ------------------------------------------------------------------------------
# Family proxies (亲友代办)
# ------------------------------------------------------------------------------
@transaction.atomic
def proxy_grant(
    *,
    principal: User,
    proxy: User | None = None,
    proxy_mobile: str = "",
    relationship: str,
    service_codes: Iterable[str] | str = (),
    all_services: bool = False,
    valid_until: datetime.datetime,
) -> ProxyAuthorisation:
    """Let a family member act for ``principal`` (代办), for which services and until when.

    The proxy is given as a user or by the mobile number of an existing, active
    account. Granting exactly the same again returns the existing
    authorisation; a different scope replaces the active one (revoked, kept).

    :raises ApplicationError: ``proxy_not_found``, ``proxy_is_self``,
        ``relationship_required``, ``service_codes_required``, ``service_code_invalid``
        or ``valid_until_past``.
    """
    # Locking the principal's row serialises their grants, so a double submit
    # cannot create two authorisations.
    principal = User.objects.select_for_update().get(pk=principal.pk)
    proxy = _active_user(
        user=proxy,
        mobile=proxy_mobile,
        field="proxy_mobile",
        missing_message=_("没有找到使用该手机号码的通办账号，请代办人先注册。"),
    )
    if proxy.pk == principal.pk:
        raise _error(_("不能授权自己为代办人。"), code="proxy_is_self", field="proxy_mobile")
    relationship = (relationship or "").strip()
    if not relationship:
        raise _error(_("请选择代办人与您的关系。"), code="relationship_required", field="relationship")
    if len(relationship) > RELATIONSHIP_MAX_LENGTH:
        raise _error(_("关系名称过长。"), code="relationship_too_long", field="relationship")
    codes = _scope(service_codes=service_codes, all_services=all_services)
    _check_valid_until(valid_until)

    now = timezone.now()
    current = list(
        ProxyAuthorisation.objects.select_for_update().filter(
            principal=principal, proxy=proxy, revoked_at__isnull=True, valid_until__gt=now
        )
    )
    for authorisation in current:
        if (
            authorisation.relationship == relationship
            and authorisation.all_services == all_services
            and authorisation.service_codes == codes
            and authorisation.valid_until == valid_until
        ):
            return authorisation
    for authorisation in current:
        authorisation.principal = principal  # already loaded and locked; saves a query each
        _proxy_close(authorisation=authorisation, revoked_by=principal, now=now)
    authorisation = ProxyAuthorisation.objects.create(
        principal=principal,
        proxy=proxy,
        relationship=relationship,
        service_codes=codes,
        all_services=all_services,
        valid_until=valid_until,
    )
    acting_record(
        actor=principal,
        principal_user=principal,
        action=ACTION_PROXY_GRANT,
        object_reference=f"proxy:{authorisation.pk}",
    )
    return authorisation


def _proxy_close(*, authorisation: ProxyAuthorisation, revoked_by: User, now: datetime.datetime) -> None:
    # The caller holds the row lock and has checked the authorisation is still open.
    authorisation.revoked_at = now
    authorisation.save(update_fields=["revoked_at", "updated_at"])
    acting_record(
        actor=revoked_by,
        principal_user=authorisation.principal,
        action=ACTION_PROXY_REVOKE,
        object_reference=f"proxy:{authorisation.pk}",
    )


@transaction.atomic
def proxy_revoke(*, authorisation: ProxyAuthorisation, revoked_by: User) -> ProxyAuthorisation:
    """Revoke a family proxy authorisation. The principal may revoke it and the
    proxy may give it up. Idempotent: revoking twice changes and records nothing.

    :raises ApplicationError: ``not_allowed`` (403) for anyone else.
    """
    authorisation = (
        ProxyAuthorisation.objects.select_for_update(of=("self",)).select_related("principal").get(pk=authorisation.pk)
    )
    if revoked_by.pk not in (authorisation.principal_id, authorisation.proxy_id):
        raise _error(_("您无权撤销该授权。"), code="not_allowed", status=HTTPStatus.FORBIDDEN)
    if authorisation.revoked_at is None:
        _proxy_close(authorisation=authorisation, revoked_by=revoked_by, now=timezone.now())
    return authorisation
