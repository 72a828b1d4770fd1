"""Who an application is for (办理对象), and whether the one who applies may act for them.

One rule for single service items, bundles (一件事), the pages and the API:

* an **enterprise** service (or bundle) is for a verified enterprise the actor
  represents, or holds an active mandate for that covers the service (for a
  bundle: one mandate covering every item, or all services);
* a **personal** service is for the actor themself (no check), or for a resident
  who granted the actor an active family proxy (代办) covering it;
* a service for both audiences accepts either.

:func:`application_principal_resolve` is the check; the drafts services call it,
and submission records the act through ``identity.services.acting.act_on_behalf``.
:func:`principal_choices` lists what the apply pages offer under “为谁办理”.
"""

from dataclasses import dataclass
from http import HTTPStatus

from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from identity.models import Enterprise, User
from identity.personal_data import id_number_digest
from identity.selectors_enterprises import enterprise_by_uscc, enterprises_for_user, grant_covers, principals_of
from identity.services.acting import NOT_MANDATED, acting_check
from services.constants import Audience
from services.models import Bundle, ServiceItem

from .bundles import application_bundle_items, bundle_items

SELF = "self"
ENTERPRISE_REQUIRED = "enterprise_required"
PRINCIPAL_REQUIRED = "principal_required"


@dataclass(frozen=True)
class Principal:
    """Exactly one of ``enterprise`` and ``user`` is set."""

    enterprise: Enterprise | None = None
    user: User | None = None


@dataclass(frozen=True)
class PrincipalChoice:
    """One option under “为谁办理”: ``value`` is what the page posts back."""

    value: str
    principal: Principal
    label: str
    note: str = ""


def covered_codes(service_or_bundle: ServiceItem | Bundle) -> list[str]:
    """The service codes a grant must cover: the item's, or every published item's of a bundle."""
    if isinstance(service_or_bundle, Bundle):
        return [item.code for item in bundle_items(service_or_bundle)]
    return [service_or_bundle.code]


def application_covered_codes(application) -> list[str]:
    """:func:`covered_codes` of a draft's service or bundle (a bundle's items read once per draft,
    which its submission's fan-out reads again)."""
    if application.service_item_id:
        return [application.service_item.code]
    return [item.code for item in application_bundle_items(application)]


def _enterprise_required() -> ApplicationError:
    return ApplicationError(
        _("该事项由企业申请，请选择您代表的企业。"), code=ENTERPRISE_REQUIRED, status=HTTPStatus.BAD_REQUEST
    )


def application_principal_resolve(
    *,
    actor: User,
    service_or_bundle: ServiceItem | Bundle,
    enterprise: Enterprise | None = None,
    principal_user: User | None = None,
) -> Principal:
    """Whom ``actor``'s application for ``service_or_bundle`` is for, after checking ``actor`` may
    apply for them.

    :raises ApplicationError: 400 ``enterprise_required`` (an enterprise service without an
        enterprise), 400 ``principal_not_allowed`` (an enterprise for a personal-only service, or
        both principals at once), 403 ``enterprise_unverified`` or ``not_mandated``.
    """
    if enterprise is not None and principal_user is not None:
        raise ApplicationError(_("请只选择一个办理对象。"), code="principal_not_allowed")
    audience = service_or_bundle.audience
    codes = covered_codes(service_or_bundle)
    if enterprise is not None:
        if audience == Audience.RESIDENT:
            raise ApplicationError(_("该事项由个人申请，不能以企业名义办理。"), code="principal_not_allowed")
        acting_check(actor=actor, service_codes=codes, enterprise=enterprise)
        return Principal(enterprise=enterprise)
    if audience == Audience.ENTERPRISE:
        raise _enterprise_required()
    if principal_user is None or principal_user.pk == actor.pk:
        return Principal(user=actor)
    acting_check(actor=actor, service_codes=codes, principal_user=principal_user)
    return Principal(user=principal_user)


def principal_choices(*, actor: User, service_or_bundle: ServiceItem | Bundle) -> list[PrincipalChoice]:
    """What ``actor`` may choose under “为谁办理”: themself (personal services), each verified
    enterprise they represent or hold a covering mandate for (enterprise services), and each
    resident whose active proxy covers the service (personal services). Unverified enterprises
    are left out."""
    audience = service_or_bundle.audience
    codes = covered_codes(service_or_bundle)
    choices = []
    if audience != Audience.ENTERPRISE:
        choices.append(PrincipalChoice(value=SELF, principal=Principal(user=actor), label=_("我自己")))
    if audience != Audience.RESIDENT:
        for enterprise in enterprises_for_user(user=actor):
            if not enterprise.is_verified:
                continue
            try:
                acting_check(actor=actor, service_codes=codes, enterprise=enterprise)
            except ApplicationError:
                continue
            choices.append(
                PrincipalChoice(
                    value=f"enterprise:{enterprise.pk}",
                    principal=Principal(enterprise=enterprise),
                    label=f"{enterprise.name}（{enterprise.uscc_masked}）",
                    note=_("法定代表人") if enterprise.is_representative else _("经办人"),
                )
            )
    if audience != Audience.ENTERPRISE:
        seen = set()
        for grant in principals_of(user=actor):
            person = grant.principal
            if person.pk in seen or not person.is_active or not all(grant_covers(grant, code) for code in codes):
                continue
            seen.add(person.pk)
            choices.append(
                PrincipalChoice(
                    value=f"person:{person.pk}",
                    principal=Principal(user=person),
                    label=f"{person.real_name or person.get_username()}（{person.id_number_masked}）",
                    note=_("亲友代办：%(relationship)s") % {"relationship": grant.relationship},
                )
            )
    return choices


def principal_choice_find(choices: list[PrincipalChoice], value: str | None) -> PrincipalChoice | None:
    """The offered choice posted back as ``value``; the only one when there is exactly one."""
    if len(choices) == 1:
        return choices[0]
    return next((choice for choice in choices if choice.value == value), None)


def principal_from_references(*, uscc: str = "", id_number: str = "") -> tuple[Enterprise | None, User | None]:
    """The enterprise (by its USCC) or person (by their ID number) an API client names as the
    principal, both found through their blind index; database ids are never exposed.

    Pass values already validated (GB 32100 / GB 11643). One that matches nobody answers exactly
    like one the actor may not act for (403 ``not_mandated``), so the API cannot be used to learn
    who is registered.
    """
    enterprise = person = None
    if uscc:
        enterprise = enterprise_by_uscc(uscc=uscc)
        if enterprise is None:
            raise _not_mandated()
    if id_number:
        person = User.objects.filter(id_number_digest=id_number_digest(id_number), is_active=True).first()
        if person is None:
            raise _not_mandated()
    return enterprise, person


def _not_mandated() -> ApplicationError:
    return ApplicationError(
        _("您没有代为办理该事项的授权，或授权已过期、已撤销。"), code=NOT_MANDATED, status=HTTPStatus.FORBIDDEN
    )
