"""Acting for someone else: the one check other apps call, and the record it leaves.

Nobody acts for an enterprise that is not *verified* (its registration
confirmed by the enterprise verifier, or by an official deciding a dispute),
not even the holder of the registration.

Three ways to act for a principal other than yourself:

* the **legal representative** acts for their enterprise on anything;
* an **agent** (经办人) acts for an enterprise only within an unrevoked,
  unexpired mandate naming the service code (or all services);
* a **proxy** (亲友代办) acts for a resident only within an unrevoked,
  unexpired authorisation naming the service code (or all services).

Apps call :func:`act_on_behalf` at the moment they act: it checks and writes
the :class:`~identity.models.ActingRecord` in one transaction, so no action
taken for someone else goes unrecorded. :func:`acting_check` alone answers
"may I?" for showing or hiding a button.
"""

from collections.abc import Sequence
from http import HTTPStatus

from django.db import transaction
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from ..models import ActingRecord, Enterprise, Mandate, ProxyAuthorisation, User
from ..selectors_enterprises import grant_covers, mandates_active, proxies_active

NOT_MANDATED = "not_mandated"
ENTERPRISE_UNVERIFIED = "enterprise_unverified"

# Actions identity itself records; other apps name theirs "<app>.<verb>".
ACTION_ENTERPRISE_REGISTER = "enterprise.register"
ACTION_MANDATE_GRANT = "mandate.grant"
ACTION_MANDATE_REVOKE = "mandate.revoke"
ACTION_PROXY_GRANT = "proxy.grant"
ACTION_PROXY_REVOKE = "proxy.revoke"


def _principal_arguments(enterprise: Enterprise | None, principal_user: User | None) -> None:
    # Acting for both or for nobody is a programming error in the caller, not a user's mistake.
    if (enterprise is None) == (principal_user is None):
        raise TypeError("Give exactly one of enterprise or principal_user.")


def _codes(service_code: str, service_codes: Sequence[str]) -> tuple[str, ...]:
    return tuple(service_codes) or (service_code,)


def _not_mandated() -> ApplicationError:
    return ApplicationError(
        _("您没有代为办理该事项的授权，或授权已过期、已撤销。"),
        code=NOT_MANDATED,
        status=HTTPStatus.FORBIDDEN,
    )


def _enterprise_unverified() -> ApplicationError:
    return ApplicationError(
        _("该企业尚未通过登记核验，暂不能为其办理业务。请法定代表人在“我的企业”中完成核验。"),
        code=ENTERPRISE_UNVERIFIED,
        status=HTTPStatus.FORBIDDEN,
    )


def _covering_grant(
    *,
    actor: User,
    service_codes: Sequence[str],
    enterprise: Enterprise | None,
    principal_user: User | None,
    lock: bool,
) -> Mandate | ProxyAuthorisation | None:
    """The mandate or authorisation covering every one of ``service_codes`` (a bundle's items),
    or ``None`` when the actor needs none (the legal representative, or a resident acting for
    themself). One grant must cover them all: several partial grants do not add up.

    :raises ApplicationError: ``not_mandated`` when nothing covers it.
    """
    _principal_arguments(enterprise, principal_user)
    if not actor.is_active:
        raise _not_mandated()
    if enterprise is not None:
        if lock:
            # Read the registration afresh, holding its row until commit, so that a
            # transfer or a dispute decision cannot slip between the check and the act.
            enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if not enterprise.is_verified:
            raise _enterprise_unverified()
        if enterprise.legal_representative_id == actor.pk:
            return None
        grants = mandates_active(agent=actor, enterprise=enterprise)
    else:
        if principal_user.pk == actor.pk:
            return None
        grants = proxies_active(proxy=actor, principal=principal_user)
    if lock:
        # Holding the grant's row lock until commit makes a concurrent revocation
        # wait: an action is never recorded under a grant revoked before it committed.
        grants = grants.select_for_update()
    for grant in grants:
        if all(grant_covers(grant, code) for code in service_codes):
            return grant
    raise _not_mandated()


def acting_check(
    *,
    actor: User,
    service_code: str = "",
    service_codes: Sequence[str] = (),
    enterprise: Enterprise | None = None,
    principal_user: User | None = None,
) -> None:
    """Refuse unless ``actor`` may handle ``service_code`` (or every one of ``service_codes``,
    e.g. a bundle's items) for the principal.

    Give exactly one principal: ``enterprise`` or ``principal_user``.

    :raises ApplicationError: ``code="not_mandated"`` or ``"enterprise_unverified"``, status 403.
    """
    _covering_grant(
        actor=actor,
        service_codes=_codes(service_code, service_codes),
        enterprise=enterprise,
        principal_user=principal_user,
        lock=False,
    )


def acting_record(
    *,
    actor: User,
    principal_user: User | None = None,
    principal_enterprise: Enterprise | None = None,
    action: str,
    service_code: str = "",
    object_reference: str = "",
) -> ActingRecord:
    """Append one "who acted for whom" record. Call inside the acting transaction."""
    _principal_arguments(principal_enterprise, principal_user)
    return ActingRecord.objects.create(
        actor=actor,
        principal_user=principal_user,
        principal_enterprise=principal_enterprise,
        action=action[:100],
        service_code=service_code[:64],
        object_reference=str(object_reference)[:100],
    )


@transaction.atomic
def act_on_behalf(
    *,
    actor: User,
    action: str,
    service_code: str,
    enterprise: Enterprise | None = None,
    principal_user: User | None = None,
    object_reference: str = "",
    covering: Sequence[str] = (),
) -> ActingRecord:
    """Check that ``actor`` may act, then record the action, in one transaction.

    Call it in the same transaction as the action itself (e.g. inside the
    service that submits an application), so a refused check rolls the action
    back and a committed action always has its record. ``covering`` lists the
    codes the grant must cover when they differ from the recorded
    ``service_code`` (a bundle is recorded under its code, and checked against
    every item's).

    :raises ApplicationError: ``code="not_mandated"`` or ``"enterprise_unverified"``, status 403.
    """
    _covering_grant(
        actor=actor,
        service_codes=_codes(service_code, covering),
        enterprise=enterprise,
        principal_user=principal_user,
        lock=True,
    )
    return acting_record(
        actor=actor,
        principal_user=principal_user,
        principal_enterprise=enterprise,
        action=action,
        service_code=service_code,
        object_reference=object_reference,
    )
