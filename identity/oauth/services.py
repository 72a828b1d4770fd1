"""Writes for the OAuth2 provider."""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model

from common.exceptions import ApplicationError
from identity.models import PartnerAuthorization, PartnerScopeGrant, UsedAuthorizationCode, User

from .scopes import all_scope_names

logger = logging.getLogger(__name__)


def _revoke(*, user: User, application=None) -> int:
    """Revoke ``user``'s OAuth2 credentials, of every application or of one.

    Access tokens, ID tokens and unused authorization codes are deleted.
    Refresh tokens are marked revoked rather than deleted: the toolkit's reuse
    protection recognises a revoked refresh token when it is replayed, and a
    deleted one would only be "unknown". Returns how many rows were touched.
    """
    scope = {"user": user} if application is None else {"user": user, "application": application}
    refreshed = (
        get_refresh_token_model()
        .objects.filter(revoked__isnull=True, **scope)
        .update(revoked=timezone.now(), access_token=None)
    )
    deleted_access, _ = get_access_token_model().objects.filter(**scope).delete()
    deleted_id, _ = get_id_token_model().objects.filter(**scope).delete()
    deleted_grants, _ = get_grant_model().objects.filter(**scope).delete()
    return refreshed + deleted_access + deleted_id + deleted_grants


@transaction.atomic
def oauth_tokens_revoke_for_user(*, user: User) -> int:
    """Revoke every OAuth2 credential ``user`` holds, at once (see ``_revoke``)."""
    return _revoke(user=user)


def partner_authorization_record(*, user: User, application, scopes) -> PartnerAuthorization:
    """Record that ``user`` allowed ``application`` ``scopes`` (called as each code is issued).

    Scopes accumulate over consents until the resident withdraws; a withdrawn
    consent is reopened with only the scopes now granted.
    """
    now = timezone.now()
    with transaction.atomic():
        authorization, created = PartnerAuthorization.objects.select_for_update().get_or_create(
            user=user,
            application=application,
            defaults={"scope": " ".join(sorted(set(scopes))), "granted_at": now, "updated_at": now},
        )
        if created:
            return authorization
        if authorization.withdrawn_at is not None:
            authorization.scope = " ".join(sorted(set(scopes)))
            authorization.granted_at = now
            authorization.withdrawn_at = None
        else:
            authorization.scope = " ".join(sorted(set(authorization.scopes) | set(scopes)))
        authorization.updated_at = now
        authorization.save(update_fields=["scope", "granted_at", "updated_at", "withdrawn_at"])
    return authorization


def partner_authorization_withdraw(*, user: User, application_id: int) -> int:
    """Withdraw ``user``'s consent to one partner: every token and unused code of it goes at once.

    Idempotent: withdrawing again, or a partner never authorised, revokes
    nothing more. Returns how many credentials were revoked.
    """
    with transaction.atomic():
        authorization = (
            PartnerAuthorization.objects.select_for_update()
            .select_related("application")
            .filter(user=user, application_id=application_id)
            .first()
        )
        if authorization is None:
            raise ApplicationError(_("未找到该授权。"), code="not_found", status=404)
        revoked = _revoke(user=user, application=authorization.application)
        if authorization.withdrawn_at is None:
            authorization.withdrawn_at = timezone.now()
            authorization.save(update_fields=["withdrawn_at"])
    logger.info(
        "OAuth2 consent withdrawn: user %s, client %s, %s credentials revoked",
        user.pk,
        authorization.application.client_id,
        revoked,
    )
    return revoked


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def authorization_code_record_use(*, code: str, application, user: User, access_token: str) -> UsedAuthorizationCode:
    """Remember an exchanged code (as a hash) and what was issued from it.

    Called as the tokens are saved: the access token, its refresh token's
    family (which every later rotation joins) and its ID token.
    """
    checksum = hashlib.sha256(access_token.encode()).hexdigest()
    issued = (
        get_access_token_model()
        .objects.select_related("id_token")
        .filter(token_checksum=checksum)
        .values("id_token__jti", "refresh_token__token_family")
        .first()
    ) or {}
    used, _created = UsedAuthorizationCode.objects.get_or_create(
        code_hash=_code_hash(code),
        defaults={
            "application": application,
            "user": user,
            "access_token_checksum": checksum,
            "refresh_token_family": issued.get("refresh_token__token_family"),
            "id_token_jti": issued.get("id_token__jti"),
        },
    )
    return used


def authorization_code_replayed(*, code: str, application) -> bool:
    """A used code came back: revoke every token issued from it (RFC 6749 §4.1.2).

    Returns whether ``code`` was a used code of ``application``. Idempotent.
    """
    with transaction.atomic():
        used = (
            UsedAuthorizationCode.objects.select_for_update()
            .filter(code_hash=_code_hash(code or ""), application=application)
            .first()
        )
        if used is None:
            return False
        RefreshToken = get_refresh_token_model()
        AccessToken = get_access_token_model()
        id_tokens = [used.id_token_jti] if used.id_token_jti else []
        if used.refresh_token_family:
            # The ID tokens issued with each rotation of the family, before their access tokens go.
            family = RefreshToken.objects.filter(token_family=used.refresh_token_family).values("access_token_id")
            id_tokens += AccessToken.objects.filter(pk__in=family, id_token__isnull=False).values_list(
                "id_token__jti", flat=True
            )
            RefreshToken.revoke_family(used.refresh_token_family)
        if used.access_token_checksum:
            AccessToken.objects.filter(token_checksum=used.access_token_checksum).delete()
        if id_tokens:
            get_id_token_model().objects.filter(jti__in=id_tokens).delete()
        if used.replayed_at is None:
            used.replayed_at = timezone.now()
            used.save(update_fields=["replayed_at"])
    logger.warning("OAuth2 authorization code replayed: client %s, user %s", application.client_id, used.user_id)
    return True


def partner_scopes_set(*, application, scopes: list[str]) -> PartnerScopeGrant:
    """Allow ``application`` to ask for exactly ``scopes`` from now on (idempotent)."""
    unknown = sorted(set(scopes) - set(all_scope_names()))
    if unknown:
        raise ApplicationError(_("未知的权限范围：%(scopes)s") % {"scopes": " ".join(unknown)}, code="unknown_scope")
    grant, _created = PartnerScopeGrant.objects.update_or_create(
        application=application, defaults={"allowed_scopes": " ".join(scopes)}
    )
    return grant


def used_authorization_codes_purge() -> int:
    """Forget used codes once nothing issued from them can still be alive (run daily by beat).

    The longest-lived token from a code is its refresh token family: a refresh
    token lives ``REFRESH_TOKEN_EXPIRE_SECONDS`` past its access token.
    """
    provider = settings.OAUTH2_PROVIDER
    horizon = provider["REFRESH_TOKEN_EXPIRE_SECONDS"] + provider["ACCESS_TOKEN_EXPIRE_SECONDS"]
    cutoff = timezone.now() - timedelta(seconds=horizon)
    deleted, _ = UsedAuthorizationCode.objects.filter(used_at__lt=cutoff).delete()
    return deleted
