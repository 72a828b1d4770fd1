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

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from ..models import Enterprise, Mandate, ProxyAuthorisation, User
from ..personal_data import uscc_columns
from ..validators import normalize_uscc
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
    "enterprise_register",
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
@transaction.atomic
def enterprise_register(*, representative: User, name: str, uscc: str) -> Enterprise:
    """Register an enterprise with ``representative`` as its legal representative.

    The representative must be real-name verified (assurance level L2 or more).
    The USCC is validated by its GB 32100-2015 check character, stored encrypted
    and found through its blind index; a USCC registered before is refused.

    :raises ApplicationError: ``verification_required`` (403), ``name_required``,
        ``uscc_invalid`` or ``uscc_taken`` (409).
    """
    # Not ``is_verified``: django-otp's middleware sets that on request.user to say
    # whether the *session* passed a second factor, and a bound method is always truthy.
    if not representative.is_real_name_verified:
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

    taken = _error(
        _("该统一社会信用代码已登记。如有疑问，请联系企业的法定代表人或客服。"),
        code="uscc_taken",
        field="uscc",
        status=HTTPStatus.CONFLICT,
    )
    if Enterprise.objects.filter(uscc_digest=columns["uscc_digest"]).exists():
        raise taken
    try:
        # A savepoint, so that losing a race to the unique index leaves the outer
        # transaction usable and the answer is the same "already registered".
        with transaction.atomic():
            enterprise = Enterprise.objects.create(name=name, legal_representative=representative, **columns)
    except IntegrityError:
        raise taken from None
    acting_record(
        actor=representative,
        principal_enterprise=enterprise,
        action=ACTION_ENTERPRISE_REGISTER,
        object_reference=f"enterprise:{enterprise.pk}",
    )
    return enterprise


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
