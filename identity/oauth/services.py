"""Writes for the OAuth2 provider."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model

from common.exceptions import ApplicationError
from identity.models import PartnerScopeGrant, User

from .scopes import all_scope_names


@transaction.atomic
def oauth_tokens_revoke_for_user(*, user: User) -> int:
    """Revoke every OAuth2 credential ``user`` holds, at once.

    Access tokens, ID tokens and unused authorization codes are deleted.
    Refresh tokens are marked revoked rather than deleted: the toolkit's reuse
    protection recognises a revoked refresh token when it is replayed, and a
    deleted one would only be "unknown". Returns how many rows were touched.
    """
    refreshed = (
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .update(revoked=timezone.now(), access_token=None)
    )
    deleted_access, _ = get_access_token_model().objects.filter(user=user).delete()
    deleted_id, _ = get_id_token_model().objects.filter(user=user).delete()
    deleted_grants, _ = get_grant_model().objects.filter(user=user).delete()
    return refreshed + deleted_access + deleted_id + deleted_grants


def partner_scopes_set(*, application, scopes: list[str]) -> PartnerScopeGrant:
    """Allow ``application`` to ask for exactly ``scopes`` from now on (idempotent)."""
    unknown = sorted(set(scopes) - set(all_scope_names()))
    if unknown:
        raise ApplicationError(_("未知的权限范围：%(scopes)s") % {"scopes": " ".join(unknown)}, code="unknown_scope")
    grant, _created = PartnerScopeGrant.objects.update_or_create(
        application=application, defaults={"allowed_scopes": " ".join(scopes)}
    )
    return grant
