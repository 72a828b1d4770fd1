"""Reads for the partner space: which partners a user may manage, and their records."""

from django.db.models import Q, QuerySet

from identity.models import Enterprise, EnterpriseStatus, User
from identity.selectors_enterprises import enterprises_represented_by, mandates_held_by

from .models import Partner, PartnerClient, PartnerEvent


def partners_for_user(*, user: User) -> QuerySet[Partner]:
    """Partners whose space ``user`` may manage: as the enterprise's legal representative, or as
    its agent under an active mandate for all of its business (``all_services``).

    A mandate for a few services lets an agent apply for those, not hold the partner's client
    keys and webhook secrets.
    """
    if not user.is_authenticated:
        return Partner.objects.none()
    general_mandates = mandates_held_by(agent=user).filter(all_services=True).values("enterprise_id")
    return (
        Partner.objects.filter(Q(enterprise__legal_representative=user) | Q(enterprise_id__in=general_mandates))
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )


def enterprises_that_may_apply(*, user: User) -> QuerySet[Enterprise]:
    """Verified enterprises ``user`` represents that are not partners yet, or were rejected."""
    return (
        enterprises_represented_by(user=user)
        .filter(status=EnterpriseStatus.VERIFIED)
        .exclude(partner__status__in=["applied", "approved", "suspended"])
    )


def partner_clients(*, partner: Partner) -> QuerySet[PartnerClient]:
    return partner.clients.select_related("application").order_by("-created_at", "-pk")


def partner_events(*, partner: Partner, limit: int = 50) -> list[PartnerEvent]:
    return list(partner.events.select_related("actor").order_by("-created_at", "-pk")[:limit])


# The verifier that confirms the sandbox's fictitious identities (identity/verification/contrib/sandbox.py).
SANDBOX_VERIFIER = "sandbox"


def is_test_persona(*, user: User) -> bool:
    """A test persona is an account whose real name was confirmed by the sandbox identity verifier:
    the documented demo residents and any account verified with a sandbox test identity. A
    production deployment refuses the sandbox verifier, so no real resident is ever one, and a
    sandbox client never reaches a real resident."""
    return user.verification_provider == SANDBOX_VERIFIER
