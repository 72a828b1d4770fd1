"""Reads for the partner space: which partners a user may manage, and their records."""

from django.db.models import QuerySet

from identity.models import Enterprise, EnterpriseStatus, User
from identity.selectors_enterprises import enterprises_for_user, enterprises_represented_by

from .models import Partner, PartnerClient, PartnerEvent


def partners_for_user(*, user: User) -> QuerySet[Partner]:
    """Partners whose enterprise ``user`` may act for (legal representative or an active mandate)."""
    if not user.is_authenticated:
        return Partner.objects.none()
    return (
        Partner.objects.filter(enterprise__in=enterprises_for_user(user=user).values("pk"))
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
