"""Reads for the OAuth2 provider."""

from django.utils import timezone

from identity.models import (
    OAuthClientAuthMethod,
    OAuthClientEvent,
    OAuthClientKey,
    OAuthClientProfile,
    OAuthClientSecret,
    PartnerAuthorization,
    User,
)


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


def oauth_client_keys(*, application, include_revoked: bool = False):
    """The client's public keys (``identity.OAuthClientKey``), newest first; active ones only unless asked."""
    keys = OAuthClientKey.objects.filter(application=application)
    if not include_revoked:
        keys = keys.filter(revoked_at__isnull=True)
    return keys.order_by("-created_at", "-pk")


def oauth_client_secret_status(*, application) -> dict:
    """Whether the client has a secret, and when each of its secrets was issued and stops working. Never a secret.

    ``{"auth_method": ..., "uses_secret": bool, "current": {"created_at": ...} | None,
    "previous": [{"created_at": ..., "expires_at": ...}, ...]}``: ``previous``
    lists rotated-out secrets still in their overlap. A client registered
    before self-service has a secret whose issue date is unknown
    (``current`` is ``{"created_at": None}``).
    """
    now = timezone.now()
    auth_method = (
        OAuthClientProfile.objects.filter(application=application).values_list("auth_method", flat=True).first()
    )
    uses_secret = auth_method != OAuthClientAuthMethod.PRIVATE_KEY_JWT
    rows = OAuthClientSecret.objects.filter(application=application)
    current = None
    if uses_secret:
        stored = type(application).objects.filter(pk=application.pk).values_list("client_secret", flat=True).first()
        row = rows.filter(expires_at__isnull=True, secret_hash=stored).first()
        current = {"created_at": row.created_at if row else None}
    previous = [
        {"created_at": row.created_at, "expires_at": row.expires_at}
        for row in rows.filter(expires_at__gt=now).order_by("expires_at")
    ]
    return {
        "auth_method": auth_method or OAuthClientAuthMethod.CLIENT_SECRET_BASIC,
        "uses_secret": uses_secret,
        "current": current,
        "previous": previous if uses_secret else [],
    }


def oauth_client_events(*, application):
    """The client's change record (``identity.OAuthClientEvent``), newest first, with who made each change."""
    return (
        OAuthClientEvent.objects.filter(application=application).select_related("actor").order_by("-created_at", "-pk")
    )
