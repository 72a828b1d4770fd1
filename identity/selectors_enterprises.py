"""Reads for enterprises, agents' mandates and family proxies (代办).

A mandate or a proxy authorisation is *active* when it is not revoked and its
``valid_until`` lies in the future. Whether it *covers* a service code is
decided in Python (:func:`mandate_covers`), not with a JSON ``contains``
lookup: SQLite, the embedded demo database, has no such lookup, and an agent
holds only a handful of mandates per enterprise.
"""

import datetime

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from .models import ActingRecord, Enterprise, Mandate, ProxyAuthorisation, User
from .personal_data import uscc_digest


def _now() -> datetime.datetime:
    return timezone.now()


def grant_covers(grant: Mandate | ProxyAuthorisation, service_code: str) -> bool:
    """Whether a mandate or proxy authorisation names ``service_code`` (or all services)."""
    return grant.all_services or (bool(service_code) and service_code in (grant.service_codes or []))


def grant_is_active(grant: Mandate | ProxyAuthorisation, *, now: datetime.datetime | None = None) -> bool:
    """Not revoked and not expired."""
    return grant.revoked_at is None and grant.valid_until > (now or _now())


# ------------------------------------------------------------------------------
# Enterprises
# ------------------------------------------------------------------------------
def enterprise_by_uscc(*, uscc: str) -> Enterprise | None:
    """The enterprise holding ``uscc``, found through the blind index.

    :raises django.core.exceptions.ValidationError: if ``uscc`` fails GB 32100.
    """
    return Enterprise.objects.filter(uscc_digest=uscc_digest(uscc)).first()


def enterprises_represented_by(*, user: User) -> QuerySet[Enterprise]:
    """Enterprises whose legal representative is ``user``."""
    return Enterprise.objects.filter(legal_representative=user).order_by("name", "pk")


def enterprises_for_user(*, user: User) -> QuerySet[Enterprise]:
    """Enterprises ``user`` may act for: as legal representative or through an
    active mandate. Each row carries ``is_representative``."""
    now = _now()
    mandated = Q(mandates__agent=user, mandates__revoked_at__isnull=True, mandates__valid_until__gt=now)
    ids = Enterprise.objects.filter(Q(legal_representative=user) | mandated).values("pk")
    return (
        Enterprise.objects.filter(pk__in=ids)
        .select_related("legal_representative")
        .annotate(is_representative=ExpressionWrapper(Q(legal_representative=user), output_field=BooleanField()))
        .order_by("-is_representative", "name", "pk")
    )


# ------------------------------------------------------------------------------
# Mandates (经办人授权)
# ------------------------------------------------------------------------------
def mandates_for_enterprise(*, enterprise: Enterprise) -> QuerySet[Mandate]:
    """Every mandate of ``enterprise``, newest first, with agent and grantor loaded."""
    return (
        Mandate.objects.filter(enterprise=enterprise)
        .select_related("agent", "granted_by")
        .order_by("-created_at", "-pk")
    )


def mandates_active(*, agent: User, enterprise: Enterprise) -> QuerySet[Mandate]:
    """``agent``'s unrevoked, unexpired mandates for ``enterprise``; none for a disabled account."""
    return Mandate.objects.filter(
        agent=agent, agent__is_active=True, enterprise=enterprise, revoked_at__isnull=True, valid_until__gt=_now()
    ).order_by("-valid_until", "-pk")


def mandates_held_by(*, agent: User) -> QuerySet[Mandate]:
    """``agent``'s active mandates across enterprises, with the enterprise loaded."""
    return (
        Mandate.objects.filter(agent=agent, revoked_at__isnull=True, valid_until__gt=_now())
        .select_related("enterprise")
        .order_by("enterprise__name", "-valid_until")
    )


def active_mandate(*, agent: User, enterprise: Enterprise, service_code: str) -> Mandate | None:
    """The active mandate letting ``agent`` handle ``service_code`` for ``enterprise``, if any."""
    for mandate in mandates_active(agent=agent, enterprise=enterprise):
        if grant_covers(mandate, service_code):
            return mandate
    return None


# ------------------------------------------------------------------------------
# Family proxies (亲友代办)
# ------------------------------------------------------------------------------
def proxies_for(*, user: User) -> QuerySet[ProxyAuthorisation]:
    """Authorisations ``user`` granted: who may act for ``user``. Newest first, revoked included."""
    return ProxyAuthorisation.objects.filter(principal=user).select_related("proxy").order_by("-created_at", "-pk")


def principals_of(*, user: User) -> QuerySet[ProxyAuthorisation]:
    """Active authorisations ``user`` holds: for whom ``user`` may act."""
    return (
        ProxyAuthorisation.objects.filter(proxy=user, revoked_at__isnull=True, valid_until__gt=_now())
        .select_related("principal")
        .order_by("-created_at", "-pk")
    )


def proxies_active(*, proxy: User, principal: User) -> QuerySet[ProxyAuthorisation]:
    """``proxy``'s unrevoked, unexpired authorisations from ``principal``; none for a disabled account."""
    return ProxyAuthorisation.objects.filter(
        proxy=proxy, proxy__is_active=True, principal=principal, revoked_at__isnull=True, valid_until__gt=_now()
    ).order_by("-valid_until", "-pk")


# ------------------------------------------------------------------------------
# Acting records (who acted for whom)
# ------------------------------------------------------------------------------
def acting_records_for_enterprise(*, enterprise: Enterprise) -> QuerySet[ActingRecord]:
    """Every action taken for ``enterprise``, newest first, with the actor loaded."""
    return (
        ActingRecord.objects.filter(principal_enterprise=enterprise)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def acting_records_for_user(*, user: User) -> QuerySet[ActingRecord]:
    """Every action others took for ``user`` (代办), newest first."""
    return (
        ActingRecord.objects.filter(principal_user=user)
        .exclude(actor=user)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def proxy_authorisations_involving(*, user: User) -> QuerySet[ProxyAuthorisation]:
    """Authorisations ``user`` granted or holds: the ones ``user`` may revoke."""
    return ProxyAuthorisation.objects.filter(Q(principal=user) | Q(proxy=user)).select_related("principal", "proxy")
