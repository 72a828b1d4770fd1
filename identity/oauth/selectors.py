"""Reads for the OAuth2 provider."""

from identity.models import PartnerAuthorization, User


def partner_authorizations_for_user(*, user: User):
    """The partners ``user`` currently authorises, newest first, with their application."""
    return (
        PartnerAuthorization.objects.filter(user=user, withdrawn_at__isnull=True)
        .select_related("application")
        .order_by("-updated_at")
    )


def partner_authorization_covers(*, user: User, application, scopes) -> bool:
    """Whether ``user`` has consented to ``application`` for every one of ``scopes`` (and not withdrawn)."""
    granted = (
        PartnerAuthorization.objects.filter(user=user, application=application, withdrawn_at__isnull=True)
        .values_list("scope", flat=True)
        .first()
    )
    return granted is not None and set(scopes) <= set(granted.split())
