"""The e-ID credential (居民身份电子凭证): short-lived, single-use signed tokens.

A verified resident shows a QR code carrying a compact JWS (``alg: EdDSA``
with an Ed25519 key, ``typ: tongban-eid+jws``) with claims ``iss``, ``jti``, ``iat`` and ``exp`` only: the token names
nobody, so a photographed QR leaks nothing. A partner (for example a hotel)
posts it to the verification API, which checks the signature against the
published keys, expiry and one-time use, and releases only the fields the
partner may see. Every verification lands in the resident's log; the resident
can revoke every outstanding token at once.

Keys rotate: the newest active key signs; retired keys keep verifying until
their tokens have expired, and stay in the JWKS until then.
"""

import base64
import json
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from common.exceptions import ApplicationError

from ..models import EidSigningKey, EidToken, EidVerification
from ..oauth.policies import authorization_refusal

# "EdDSA" with an Ed25519 key (RFC 8037): the name every common JOSE library
# verifies by default. RFC 9864's fully-specified "Ed25519" means the same
# signature, but PyJWT and authlib do not know it and refuse such a token.
ALGORITHM = "EdDSA"
CURVE = "Ed25519"
TOKEN_TYPE = "tongban-eid+jws"  # noqa: S105 - a JOSE "typ" value, not a secret
# Fields a partner may be given, and the default set (name and masked ID number).
RELEASABLE_FIELDS = ("name", "id_number_masked", "assurance_level", "verified_at")
DEFAULT_RELEASED_FIELDS = ("name", "id_number_masked")


# The extra fields a partner's token scope unlocks, beyond the default ones.
FIELDS_BY_SCOPE = {"eid:verify:detail": ("assurance_level", "verified_at")}


def released_fields(*, scopes) -> tuple[str, ...]:
    """What a partner holding ``scopes`` receives: name and masked ID number, plus what its scopes allow."""
    extra = [field for scope in scopes for field in FIELDS_BY_SCOPE.get(scope, ())]
    return (*DEFAULT_RELEASED_FIELDS, *extra)


@dataclass(frozen=True)
class EidVerificationResult:
    fields: dict
    verification: EidVerification


def _invalid(message=None) -> ApplicationError:
    return ApplicationError(
        message or _("电子凭证无效或已过期，请让出示人刷新二维码。"), code="eid_invalid", status=400
    )


def signing_key_create() -> EidSigningKey:
    """Generate a new Ed25519 key; it becomes the signing key."""
    kid = uuid.uuid4().hex
    key = OKPKey.generate_key(CURVE, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    return EidSigningKey.objects.create(
        kid=kid,
        private_key=json.dumps(key.as_dict(private=True)),
        public_jwk=key.as_dict(private=False),
    )


def signing_key_rotate() -> EidSigningKey:
    """Retire the current signing key and create a new one. Old keys still verify."""
    with transaction.atomic():
        EidSigningKey.objects.select_for_update().filter(retired_at__isnull=True).update(retired_at=timezone.now())
        return signing_key_create()


def current_signing_key() -> EidSigningKey:
    key = EidSigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if key is None or key.created_at < timezone.now() - timedelta(days=settings.EID_KEY_ROTATION_DAYS):
        key = signing_key_rotate()
    return key


def published_keys() -> dict:
    """The JWKS: active keys, and retired keys whose tokens may not have expired yet."""
    horizon = timezone.now() - timedelta(seconds=settings.EID_TOKEN_TTL_SECONDS * 2)
    keys = EidSigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gte=horizon))
    return {"keys": [_public_jwk(key.public_jwk) for key in keys.order_by("-created_at")]}


def _public_jwk(jwk: dict) -> dict:
    """A key as published: keys made before the switch to ``EdDSA`` still say ``Ed25519``."""
    return {**jwk, "alg": ALGORITHM}


def _import_key(jwk: dict) -> OKPKey:
    return OKPKey.import_key(_public_jwk(jwk))


def eid_token_issue(*, user) -> tuple[str, EidToken]:
    """Issue a 60-second single-use token for a verified resident."""
    if not user.is_real_name_verified:
        raise ApplicationError(_("完成实名认证后才能使用居民身份电子凭证。"), code="not_verified", status=403)
    key = current_signing_key()
    now = timezone.now()
    token = EidToken.objects.create(
        user=user,
        kid=key.kid,
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.EID_TOKEN_TTL_SECONDS),
    )
    claims = {
        "iss": settings.EID_ISSUER,
        "jti": str(token.jti),
        "iat": int(now.timestamp()),
        "exp": int(token.expires_at.timestamp()),
    }
    private = _import_key(json.loads(key.private_key))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SecurityWarning, message="EdDSA")
        compact = jws.serialize_compact(
            {"alg": ALGORITHM, "kid": key.kid, "typ": TOKEN_TYPE},
            json.dumps(claims, separators=(",", ":")),
            private,
            algorithms=[ALGORITHM],
        )
    return compact, token


def _decode(compact: str) -> dict:
    try:
        header_segment = compact.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
        key = EidSigningKey.objects.get(kid=str(header.get("kid", "")))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=SecurityWarning, message="EdDSA")
            signature = jws.deserialize_compact(compact, _import_key(key.public_jwk), algorithms=[ALGORITHM])
        claims = json.loads(signature.payload)
    except (EidSigningKey.DoesNotExist, JoseError, ValueError, TypeError, IndexError, UnicodeDecodeError):
        raise _invalid() from None
    if signature.headers().get("typ") != TOKEN_TYPE or claims.get("iss") != settings.EID_ISSUER:
        raise _invalid()
    return claims


def eid_token_verify(
    *,
    compact: str,
    partner: str,
    partner_client_id: str = "",
    purpose: str = "",
    fields=DEFAULT_RELEASED_FIELDS,
    application=None,
) -> EidVerificationResult:
    """Verify a presented token for a partner and consume it.

    Refuses a bad signature, an unknown key, an expired, revoked or already
    used token with the same answer, so a partner learns nothing from probing.
    With the partner's OAuth2 ``application``, the authorisation policies
    (identity/oauth/policies.py) are asked too: a sandbox client verifying a real
    resident's token is refused (403 ``client_not_allowed``) and the token stays unused.
    """
    claims = _decode((compact or "").strip())
    with transaction.atomic():
        token = EidToken.objects.select_for_update().select_related("user").filter(jti=claims.get("jti")).first()
        now = timezone.now()
        if (
            token is None
            or token.used_at is not None
            or token.revoked_at is not None
            or token.expires_at <= now
            or not token.user.is_active
            or not token.user.is_real_name_verified
        ):
            raise _invalid()
        if application is not None:
            refusal = authorization_refusal(user=token.user, application=application)
            if refusal:
                raise ApplicationError(refusal, code="client_not_allowed", status=403)
        token.used_at = now
        token.save(update_fields=["used_at"])
        user = token.user
        available = {
            "name": user.real_name,
            "id_number_masked": user.id_number_masked,
            "assurance_level": user.assurance_level,
            "verified_at": user.verified_at.isoformat() if user.verified_at else None,
        }
        released = [field for field in fields if field in RELEASABLE_FIELDS]
        verification = EidVerification.objects.create(
            token=token,
            user=user,
            partner=partner[:200],
            partner_client_id=partner_client_id[:100],
            purpose=purpose[:100],
            released_fields=released,
        )
    return EidVerificationResult(fields={field: available[field] for field in released}, verification=verification)


def eid_tokens_revoke_all(*, user) -> int:
    """Revoke every outstanding (unused, unexpired) token of ``user``."""
    now = timezone.now()
    return EidToken.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now).update(
        revoked_at=now
    )
