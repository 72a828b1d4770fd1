"""Partner OAuth2 clients: registration, redirect URIs, secrets, public keys, and ``private_key_jwt``.

The partner self-service space calls the ``oauth_client_*`` services; an
official may too. Each change is written to the append-only
``identity.OAuthClientEvent`` (never with a secret). The services do not check
who may manage which client: the caller does, before calling.

Client authentication (identity/oauth/validators.py) asks this module two
things: whether a secret that is no longer the application's own still works
(the overlap after a rotation), and whether a ``private_key_jwt`` assertion
(RFC 7523 §2.2, OpenID Connect Core §9) is good.
"""

import hashlib
import ipaddress
import json
import logging
import math
import secrets
import time
import warnings
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jwk, jws, jwt
from joserfc.errors import JoseError, SecurityWarning
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from common.exceptions import ApplicationError
from identity.models import (
    OAuthClientAuthMethod,
    OAuthClientEvent,
    OAuthClientEventAction,
    OAuthClientKey,
    OAuthClientProfile,
    OAuthClientSecret,
    UsedClientAssertion,
    User,
)

logger = logging.getLogger(__name__)

JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# What the discovery documents publish (identity/oauth/views.py).
TOKEN_ENDPOINT_AUTH_METHODS = [choice.value for choice in OAuthClientAuthMethod]
# "Ed25519" is RFC 9864's name for EdDSA with an Ed25519 key; PyJWT and authlib still send "EdDSA".
ASSERTION_SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519"]
_KEY_TYPE_OF_ALGORITHM = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC", "EdDSA": "OKP", "Ed25519": "OKP"}

# An assertion may not be valid for longer than this from now. One hour, as
# authlib's PrivateKeyJWT signs by default (and other providers allow); each
# jti is single-use whatever the lifetime, and remembered until it expires.
ASSERTION_MAX_LIFETIME_SECONDS = 3600
ASSERTION_CLOCK_LEEWAY_SECONDS = 60

GRANT_TYPES = ("authorization-code", "client-credentials")
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
MAX_REDIRECT_URIS = 10
MAX_OVERLAP_HOURS = 7 * 24
MIN_RSA_BITS = 2048
# Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

Application = get_application_model()

# joserfc warns on every "EdDSA" use (RFC 9864 deprecates the name); partners' libraries still send it.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


# --- events ------------------------------------------------------------------------------------


def _event(*, application, actor: User, action: str, summary: str) -> OAuthClientEvent:
    return OAuthClientEvent.objects.create(
        application=application, client_id=application.client_id, actor=actor, action=action, summary=summary
    )


# --- redirect URIs -----------------------------------------------------------------------------


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback and hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def redirect_uris_validate(*, redirect_uris: list[str]) -> list[str]:
    """The redirect URIs, checked and de-duplicated, or ``ApplicationError`` naming the first bad one.

    Exact URIs only (they are compared character for character): https, or
    http on the loopback interface (127.0.0.1, [::1], localhost) for a
    partner's local development; no fragment, no wildcard, no user or password.
    """
    if not isinstance(redirect_uris, list | tuple) or not all(isinstance(uri, str) for uri in redirect_uris):
        raise ApplicationError(_("回调地址须为地址列表。"), code="invalid_redirect_uri")
    cleaned: list[str] = []
    for uri in redirect_uris:
        if uri in cleaned:
            continue
        error = _redirect_uri_problem(uri)
        if error:
            raise ApplicationError(
                _("回调地址“%(uri)s”无效：%(reason)s") % {"uri": uri[:200], "reason": error},
                code="invalid_redirect_uri",
            )
        cleaned.append(uri)
    if len(cleaned) > MAX_REDIRECT_URIS:
        raise ApplicationError(
            _("回调地址最多 %(count)s 个。") % {"count": MAX_REDIRECT_URIS}, code="invalid_redirect_uri"
        )
    return cleaned


def _redirect_uri_problem(uri: str) -> str | None:
    if not uri or len(uri) > 2000:
        return _("地址为空或过长")
    if any(character.isspace() for character in uri) or any(ord(character) < 0x21 for character in uri):
        return _("地址不得包含空白或控制字符")
    if "*" in uri:
        return _("不支持通配符，请填写完整、确切的地址")
    if "#" in uri:
        return _("地址不得包含片段（#）")
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return _("地址格式不正确")
    if parts.scheme not in ("https", "http") or not hostname:
        return _("须为以 https:// 开头的完整地址")
    if parts.username is not None or parts.password is not None:
        return _("地址不得包含用户名或密码")
    if parts.scheme == "http" and not _is_loopback(hostname):
        return _("须使用 https；仅本机调试地址（127.0.0.1、[::1]、localhost）可使用 http")
    return None


# --- registration ------------------------------------------------------------------------------


def _auth_method_check(auth_method: str) -> str:
    if auth_method not in OAuthClientAuthMethod.values:
        raise ApplicationError(
            _("不支持的客户端认证方式：%(method)s") % {"method": str(auth_method)[:50]}, code="invalid_auth_method"
        )
    return auth_method


def _secret_issue(*, application, now) -> str:
    """A new random secret: the application's own from now on, recorded (hashed); returns it in plain text."""
    secret = secrets.token_urlsafe(40)
    # Hashed as the toolkit would (its field leaves an already hashed value alone).
    application.client_secret = make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)
    application.hash_client_secret = True
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    OAuthClientSecret.objects.create(application=application, secret_hash=application.client_secret, created_at=now)
    return secret


def _secret_retire_all(*, application, now) -> None:
    """No secret works any more: for a client switching to ``private_key_jwt``."""
    application.client_secret = secrets.token_urlsafe(40)  # never shown; hashed as it is saved
    application.hash_client_secret = True
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    OAuthClientSecret.objects.filter(application=application).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    ).update(expires_at=now)


@transaction.atomic
def oauth_client_create(
    *, owner: User, name: str, grant_type: str, auth_method: str, redirect_uris: list[str], actor: User
) -> tuple[Application, str | None]:
    """Register a confidential client owned by ``owner``; returns it and its secret (``None`` for private_key_jwt).

    The secret is shown this once: only its hash is kept. ID tokens are RS256,
    so ``openid`` works. The client may ask for no scope until an official
    grants it some (``partner_scopes_set``).
    """
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise ApplicationError(_("请填写应用名称（不超过 255 个字符）。"), code="invalid_name")
    if grant_type not in GRANT_TYPES:
        raise ApplicationError(
            _("不支持的授权类型：%(grant)s") % {"grant": str(grant_type)[:50]}, code="invalid_grant_type"
        )
    _auth_method_check(auth_method)
    uris = redirect_uris_validate(redirect_uris=list(redirect_uris or []))
    if grant_type == Application.GRANT_AUTHORIZATION_CODE and not uris:
        raise ApplicationError(_("授权码模式的应用至少需要一个回调地址。"), code="invalid_redirect_uri")
    if grant_type == Application.GRANT_CLIENT_CREDENTIALS and uris:
        raise ApplicationError(_("客户端凭证模式的应用不使用回调地址。"), code="invalid_redirect_uri")
    now = timezone.now()
    application = Application(
        name=name,
        user=owner,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant_type,
        redirect_uris=" ".join(uris),
        algorithm=Application.RS256_ALGORITHM,
        hash_client_secret=True,
        client_secret=secrets.token_urlsafe(40),  # replaced below, or never shown (private_key_jwt)
    )
    application.save()
    OAuthClientProfile.objects.create(application=application, auth_method=auth_method)
    secret = None
    if auth_method != OAuthClientAuthMethod.PRIVATE_KEY_JWT:
        secret = _secret_issue(application=application, now=now)
    _event(
        application=application,
        actor=actor,
        action=OAuthClientEventAction.CREATED,
        summary=f"name={name}; grant_type={grant_type}; auth_method={auth_method}; redirect_uris={' '.join(uris)}",
    )
    logger.info("OAuth2 client registered: %s by user %s", application.client_id, actor.pk)
    return application, secret


@transaction.atomic
def oauth_client_redirect_uris_set(*, application, redirect_uris: list[str], actor: User) -> Application:
    """Replace the client's redirect URIs with exactly ``redirect_uris`` (see ``redirect_uris_validate``)."""
    uris = redirect_uris_validate(redirect_uris=redirect_uris)
    if application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS and uris:
        raise ApplicationError(_("客户端凭证模式的应用不使用回调地址。"), code="invalid_redirect_uri")
    if application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE and not uris:
        raise ApplicationError(_("授权码模式的应用至少需要一个回调地址。"), code="invalid_redirect_uri")
    before = application.redirect_uris
    application.redirect_uris = " ".join(uris)
    application.save(update_fields=["redirect_uris", "updated"])
    _event(
        application=application,
        actor=actor,
        action=OAuthClientEventAction.REDIRECT_URIS_SET,
        summary=f"before={before}; after={application.redirect_uris}",
    )
    return application


@transaction.atomic
def oauth_client_secret_rotate(*, application, actor: User, overlap_hours: int = 24) -> str:
    """Issue a new secret (returned, shown once); the previous one works ``overlap_hours`` more, then stops.

    Secrets issued before this one that are still in an overlap keep their own
    end. A client that authenticates with ``private_key_jwt`` has no secret.
    """
    if _auth_method_of(application) == OAuthClientAuthMethod.PRIVATE_KEY_JWT:
        raise ApplicationError(_("该应用使用私钥签名认证，没有客户端密钥。"), code="no_secret")
    if not isinstance(overlap_hours, int) or not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise ApplicationError(
            _("新旧密钥并存时间须在 0 到 %(hours)s 小时之间。") % {"hours": MAX_OVERLAP_HOURS}, code="invalid_overlap"
        )
    Application.objects.select_for_update().filter(pk=application.pk).values_list("pk").get()
    application.refresh_from_db(fields=["client_secret", "hash_client_secret", "created"])
    now = timezone.now()
    ends = now + timedelta(hours=overlap_hours)
    current = OAuthClientSecret.objects.filter(application=application, expires_at__isnull=True)
    # A recorded "current" secret that is no longer the application's (replaced in the admin) gets no overlap.
    current.exclude(secret_hash=application.client_secret).update(expires_at=now)
    if not current.filter(secret_hash=application.client_secret).exists():
        # A secret set elsewhere (the admin, before registration existed): record it to let it overlap too.
        stored = application.client_secret
        try:
            identify_hasher(stored)
        except ValueError:
            stored = make_password(stored)
        OAuthClientSecret.objects.create(application=application, secret_hash=stored, created_at=application.created)
    current.update(expires_at=ends)
    secret = _secret_issue(application=application, now=now)
    _event(
        application=application,
        actor=actor,
        action=OAuthClientEventAction.SECRET_ROTATED,
        summary=f"previous secret valid until {ends.isoformat()}",
    )
    logger.info("OAuth2 client secret rotated: %s by user %s", application.client_id, actor.pk)
    return secret


@transaction.atomic
def oauth_client_auth_method_set(*, application, auth_method: str, actor: User) -> str | None:
    """Change how the client authenticates; returns a new secret if it now needs one it did not have.

    * To ``private_key_jwt``: every secret stops working at once. Add a public
      key (``oauth_client_key_add``) for the client to authenticate at all.
    * From ``private_key_jwt`` to a secret method: a new secret is issued and
      returned (shown once). Between the two secret methods nothing changes but
      the record: either is accepted from a client with a secret.
    """
    _auth_method_check(auth_method)
    profile, _created = OAuthClientProfile.objects.select_for_update().get_or_create(application=application)
    before = profile.auth_method
    if before == auth_method:
        return None
    now = timezone.now()
    secret = None
    if auth_method == OAuthClientAuthMethod.PRIVATE_KEY_JWT:
        _secret_retire_all(application=application, now=now)
    elif before == OAuthClientAuthMethod.PRIVATE_KEY_JWT:
        secret = _secret_issue(application=application, now=now)
    profile.auth_method = auth_method
    profile.save(update_fields=["auth_method", "updated_at"])
    _event(
        application=application,
        actor=actor,
        action=OAuthClientEventAction.AUTH_METHOD_SET,
        summary=f"before={before}; after={auth_method}",
    )
    return secret


# --- public keys -------------------------------------------------------------------------------


def public_jwk_validate(*, public_jwk: dict) -> tuple[dict, str]:
    """The public members of ``public_jwk`` and its RFC 7638 thumbprint, or ``ApplicationError``.

    RSA of at least 2048 bits, EC on P-256, or OKP Ed25519. A key with any
    private member is refused outright: the partner has just exposed it.
    """
    if not isinstance(public_jwk, dict):
        raise ApplicationError(_("公钥须为 JWK 格式的 JSON 对象。"), code="invalid_key")
    public_jwk = {name: value for name, value in public_jwk.items() if value is not None}
    present_private = sorted(_PRIVATE_MEMBERS & set(public_jwk))
    if present_private:
        raise ApplicationError(
            _("这是私钥或对称密钥（含 %(members)s），请只提交公钥，并请更换已泄露的私钥。")
            % {"members": ", ".join(present_private)},
            code="private_key",
        )
    kty = public_jwk.get("kty")
    if kty not in ("RSA", "EC", "OKP"):
        raise ApplicationError(_("不支持的密钥类型，仅支持 RSA、EC（P-256）和 OKP（Ed25519）。"), code="invalid_key")
    if public_jwk.get("use") not in (None, "sig"):
        raise ApplicationError(_("该公钥的用途（use）不是签名（sig）。"), code="invalid_key")
    alg = public_jwk.get("alg")
    if alg is not None and _KEY_TYPE_OF_ALGORITHM.get(alg) != kty:
        raise ApplicationError(_("公钥声明的算法（alg）不受支持或与密钥类型不符。"), code="invalid_key")
    try:
        key = jwk.import_key(dict(public_jwk))
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ApplicationError(_("无法解析该公钥。"), code="invalid_key") from error
    if key.is_private:
        raise ApplicationError(_("请只提交公钥。"), code="private_key")
    if kty == "RSA" and key.public_key.key_size < MIN_RSA_BITS:
        raise ApplicationError(_("RSA 公钥至少需要 2048 位。"), code="weak_key")
    if kty == "EC" and key.curve_name != "P-256":
        raise ApplicationError(_("EC 公钥仅支持 P-256 曲线。"), code="invalid_key")
    if kty == "OKP" and key.curve_name != "Ed25519":
        raise ApplicationError(_("OKP 公钥仅支持 Ed25519。"), code="invalid_key")
    public = key.as_dict(private=False)
    for member in ("kid", "alg", "use"):
        if isinstance(public_jwk.get(member), str):
            public[member] = public_jwk[member]
    return public, key.thumbprint()


@transaction.atomic
def oauth_client_key_add(*, application, public_jwk: dict, actor: User) -> OAuthClientKey:
    """Register a public key the client signs its ``private_key_jwt`` assertions with.

    Its ``kid`` is the one given or, without one, the RFC 7638 thumbprint. The
    same key, or another key with the same ``kid``, is refused while active.
    """
    public, thumbprint = public_jwk_validate(public_jwk=public_jwk)
    kid = public.get("kid") or thumbprint
    if len(kid) > 255:
        raise ApplicationError(_("密钥编号（kid）过长。"), code="invalid_key")
    public["kid"] = kid
    active = OAuthClientKey.objects.select_for_update().filter(application=application, revoked_at__isnull=True)
    if active.filter(thumbprint=thumbprint).exists():
        raise ApplicationError(_("该公钥已登记。"), code="duplicate_key")
    if active.filter(kid=kid).exists():
        raise ApplicationError(_("已有相同编号（kid）的公钥，请更换编号或先吊销旧公钥。"), code="duplicate_kid")
    key = OAuthClientKey.objects.create(
        application=application, kid=kid, kty=public["kty"], thumbprint=thumbprint, public_jwk=public
    )
    _event(
        application=application,
        actor=actor,
        action=OAuthClientEventAction.KEY_ADDED,
        summary=f"kid={kid}; kty={public['kty']}; thumbprint={thumbprint}",
    )
    return key


@transaction.atomic
def oauth_client_key_revoke(*, key_id: int, actor: User) -> OAuthClientKey:
    """Revoke a client's public key: assertions signed with it are refused from now on. Idempotent."""
    key = OAuthClientKey.objects.select_for_update().select_related("application").filter(pk=key_id).first()
    if key is None:
        raise ApplicationError(_("未找到该公钥。"), code="not_found", status=404)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        _event(
            application=key.application,
            actor=actor,
            action=OAuthClientEventAction.KEY_REVOKED,
            summary=f"kid={key.kid}; thumbprint={key.thumbprint}",
        )
    return key


# --- client authentication ---------------------------------------------------------------------


def _auth_method_of(application) -> str | None:
    """The client's registered method, or ``None`` for a client registered before (a secret, either way)."""
    return OAuthClientProfile.objects.filter(application=application).values_list("auth_method", flat=True).first()


def client_uses_private_key_jwt(*, application) -> bool:
    return _auth_method_of(application) == OAuthClientAuthMethod.PRIVATE_KEY_JWT


def client_previous_secret_matches(*, application, secret: str) -> bool:
    """Whether ``secret`` is one of the client's rotated-out secrets still in its overlap."""
    if not secret:
        return False
    hashes = OAuthClientSecret.objects.filter(application=application, expires_at__gt=timezone.now()).values_list(
        "secret_hash", flat=True
    )
    return any(check_password(secret, stored) for stored in hashes)


class AssertionRefused(Exception):
    """Why an assertion was refused, for the log only: the client is told ``invalid_client`` and no more."""


def _unverified_parts(assertion: str) -> tuple[dict, dict]:
    try:
        obj = jws.extract_compact(assertion.encode("ascii"))
        claims = json.loads(obj.payload)
    except (JoseError, ValueError, UnicodeError, TypeError) as error:
        raise AssertionRefused("not a compact JWS with a JSON payload") from error
    header = obj.headers()
    if not isinstance(claims, dict):
        raise AssertionRefused("payload is not a JSON object")
    return header, claims


def _verified_claims(*, assertion: str, application, header: dict) -> dict:
    alg = header.get("alg")
    if alg not in ASSERTION_SIGNING_ALGORITHMS:
        raise AssertionRefused(f"algorithm {alg!r} not allowed")
    if header.get("crit") is not None:
        raise AssertionRefused("crit header not supported")
    keys = OAuthClientKey.objects.filter(
        application=application, revoked_at__isnull=True, kty=_KEY_TYPE_OF_ALGORITHM[alg]
    )
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise AssertionRefused("kid is not a string")
    if kid is not None:
        keys = keys.filter(kid=kid)
    for row in keys[:20]:
        try:
            key = jwk.import_key(row.public_jwk)
            return jwt.decode(assertion, key, algorithms=[alg]).claims
        except (JoseError, ValueError, TypeError):
            continue
    raise AssertionRefused("no registered key verifies the signature")


def _is_number(value) -> bool:
    """A finite JSON number (``json`` also reads NaN and Infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_claims(*, claims: dict, audiences: set[str], now: float) -> float:
    """Check aud, exp, nbf, iat and jti; returns exp."""
    aud = claims.get("aud")
    aud_values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(isinstance(value, str) and value in audiences for value in aud_values):
        raise AssertionRefused(f"aud {aud!r} is not this server ({sorted(audiences)})")
    exp = claims.get("exp")
    if not _is_number(exp):
        raise AssertionRefused("exp missing or not a number")
    if exp <= now - ASSERTION_CLOCK_LEEWAY_SECONDS:
        raise AssertionRefused("expired")
    if exp > now + ASSERTION_MAX_LIFETIME_SECONDS + ASSERTION_CLOCK_LEEWAY_SECONDS:
        raise AssertionRefused("exp too far in the future")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        if not _is_number(value):
            raise AssertionRefused(f"{name} is not a number")
        if value > now + ASSERTION_CLOCK_LEEWAY_SECONDS:
            raise AssertionRefused(f"{name} in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AssertionRefused("jti missing")
    return float(exp)


def _jti_use(*, application, jti: str, exp: float) -> None:
    """Remember ``jti`` until ``exp``; refuse it if already remembered (a replay)."""
    jti_hash = hashlib.sha256(jti.encode("utf-8")).hexdigest()
    expires_at = datetime.fromtimestamp(exp + ASSERTION_CLOCK_LEEWAY_SECONDS, tz=UTC)
    try:
        with transaction.atomic():
            UsedClientAssertion.objects.create(application=application, jti_hash=jti_hash, expires_at=expires_at)
    except IntegrityError as error:
        raise AssertionRefused("jti already used (replay)") from error


def client_assertion_authenticate(
    *, assertion: str, client_id: str | None, audiences: set[str], load_application
) -> object | None:
    """The application a ``private_key_jwt`` assertion authenticates, or ``None``.

    ``load_application(client_id)`` returns a usable application or ``None``
    (the validator's, so ``request.client`` is set as for a secret).
    ``audiences`` are the values ``aud`` may hold: the token endpoint URL, the
    issuer and the URL of the endpoint called. Checks, in order: the JWS
    structure; ``iss`` = ``sub`` = the ``client_id`` parameter if sent; a
    client registered for ``private_key_jwt``; the signature by one of its
    active keys (by ``kid`` if given) with RS256, PS256, ES256 or EdDSA
    (never ``none`` nor HMAC); ``aud``; ``exp`` present and at most
    ``ASSERTION_MAX_LIFETIME_SECONDS`` ahead; ``nbf``/``iat`` not in the
    future; ``jti`` present and never seen before.
    """
    try:
        header, unverified = _unverified_parts(assertion)
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or not issuer or unverified.get("sub") != issuer:
            raise AssertionRefused("iss and sub must both be the client_id")
        if client_id and client_id != issuer:
            raise AssertionRefused("client_id parameter differs from iss")
        application = load_application(issuer)
        if application is None:
            raise AssertionRefused("unknown client")
        if not client_uses_private_key_jwt(application=application):
            raise AssertionRefused("client is not registered for private_key_jwt")
        claims = _verified_claims(assertion=assertion, application=application, header=header)
        if claims.get("iss") != issuer or claims.get("sub") != issuer:
            raise AssertionRefused("iss and sub must both be the client_id")
        exp = _check_claims(claims=claims, audiences=audiences, now=time.time())
        _jti_use(application=application, jti=claims["jti"], exp=exp)
    except AssertionRefused as refused:
        logger.info("OAuth2 client assertion refused: %s", refused)
        return None
    return application


def used_client_assertions_purge() -> int:
    """Forget used assertions once they have expired: they would be refused as expired anyway."""
    deleted, _ = UsedClientAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
