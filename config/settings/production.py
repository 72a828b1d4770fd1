"""Production settings: PostgreSQL, Redis, a Celery worker and beat, HTTPS.

Refuses to start without a real secret key, a database and Redis.
"""

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import *
from .base import (
    CLAMD_ADDRESS,
    ENTERPRISE_VERIFIER,
    ENTERPRISE_VERIFIER_HTTP,
    FACE_CHECK_PROVIDER,
    FACE_CHECK_TENCENT,
    IDENTITY_VERIFIER,
    IDENTITY_VERIFIER_HTTP,
    INSECURE_DEFAULT_SECRET_KEY,
    LOGGING,
    METRICS_TOKEN,
    OAUTH2_PROVIDER,
    OIDC_RSA_PRIVATE_KEY,
    REDIS_URL,
    SECRET_KEY,
    SMS_BACKEND,
    STORAGES,
    env,
)

if not SECRET_KEY or SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if not OIDC_RSA_PRIVATE_KEY:
    raise ImproperlyConfigured(
        "OIDC_RSA_PRIVATE_KEY must hold the RSA private key (PEM) that signs ID tokens in production "
        "(for example: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072)."
    )
try:
    _oidc_key = load_pem_private_key(OIDC_RSA_PRIVATE_KEY.encode(), password=None)
except ValueError as exc:
    raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY is not a readable unencrypted PEM private key.") from exc
if not isinstance(_oidc_key, rsa.RSAPrivateKey) or _oidc_key.key_size < 2048:
    raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY must be an RSA key of at least 2048 bits.")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (cache, sessions, Celery broker).")

for _variable in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
    if not env(_variable, default=""):
        raise ImproperlyConfigured(
            f"{_variable} must be set in production: personal data is encrypted and indexed with it "
            "(generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
# /metrics: a token short or left at the example's value is refused (docs/operations.md).
if METRICS_TOKEN and (len(METRICS_TOKEN) < 32 or METRICS_TOKEN.startswith("change-me")):
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be at least 32 random characters (openssl rand -hex 32), or empty to rely on "
        "METRICS_ALLOWED_IPS alone."
    )
# Partners' pairwise subject identifiers are derived from this key: a default
# derived from SECRET_KEY would change every partner's identifiers when the
# secret key is rotated.
if not env("OIDC_PAIRWISE_SUBJECT_KEY", default=""):
    raise ImproperlyConfigured(
        "OIDC_PAIRWISE_SUBJECT_KEY must be set in production: partners' subject identifiers are derived from it "
        "and must never change (generate one with: openssl rand -base64 32)."
    )

# ------------------------------------------------------------------------------
# Sandboxes: refused unless the deployment names each one as staging
# ------------------------------------------------------------------------------
# Stand-ins that send, verify or scan nothing are refused in production. A
# staging deployment lists each one it knowingly runs, by name, for example
#   TONGBAN_STAGING_SANDBOXES=sms-console,identity-sandbox,enterprise-sandbox,no-malware-scan,face-check-sandbox
STAGING_SANDBOXES = set(env.list("TONGBAN_STAGING_SANDBOXES", default=[]))


def _is_sandbox(value: str) -> bool:
    """A registry id or dotted path naming a sandbox: the id or path says so,
    or the class it names has a truthy ``is_sandbox``."""
    if not value:
        return False
    if "sandbox" in value.lower() or value.rsplit(".", 1)[-1].lower() in {"console", "locmem"}:
        return True
    if "." in value and "/" not in value:
        try:
            return bool(getattr(import_string(value), "is_sandbox", False))
        except ImportError as exc:
            raise ImproperlyConfigured(f"{value} cannot be imported: {exc}") from exc
    return False


# The payment adapters say whether they are sandboxes (payments.base.HttpPaymentGateway.is_sandbox);
# in production they are real unless a setting says otherwise. No real exemption source exists
# yet: nobody is exempted automatically unless the deployment names a source.
for _prefix, _config in (
    ("ALIPAY", PAYMENTS_ALIPAY),
    ("UNIONPAY", PAYMENTS_UNIONPAY),
    ("WECHATPAY", PAYMENTS_WECHATPAY),
):
    _config["SANDBOX"] = env.bool(f"{_prefix}_SANDBOX", default=False)
PAYMENTS_EXEMPTION_SOURCES = env.list("PAYMENTS_EXEMPTION_SOURCES", default=[])

_sandboxes_in_use = {
    "sms-console": _is_sandbox(SMS_BACKEND),
    # The sandbox verifier, or the HTTP adapter pointed at the sandbox gateway's path.
    "identity-sandbox": _is_sandbox(IDENTITY_VERIFIER) or _is_sandbox(IDENTITY_VERIFIER_HTTP["BASE_URL"]),
    "enterprise-sandbox": _is_sandbox(ENTERPRISE_VERIFIER) or _is_sandbox(ENTERPRISE_VERIFIER_HTTP["BASE_URL"]),
    "no-malware-scan": not CLAMD_ADDRESS,
    # The SANDBOX face check provider (a page that lets the tester choose), or an adapter pointed at a sandbox.
    "face-check-sandbox": _is_sandbox(FACE_CHECK_PROVIDER) or _is_sandbox(FACE_CHECK_TENCENT["ENDPOINT"]),
    # Fee exemptions attested by the SANDBOX civil-affairs registry.
    "exemption-sandbox": any(_is_sandbox(value) for value in PAYMENTS_EXEMPTION_SOURCES),
    # A payment adapter pointed at the local payment sandbox or trusting its test keys.
    "payments-sandbox": any(config["SANDBOX"] for config in (PAYMENTS_ALIPAY, PAYMENTS_UNIONPAY, PAYMENTS_WECHATPAY))
    or any(
        _is_sandbox(value)
        for value in (
            *(PAYMENTS_ALIPAY[key] for key in ("GATEWAY_URL", "API_URL", "ALIPAY_PUBLIC_KEY_FILE")),
            *PAYMENTS_WECHATPAY["PLATFORM_PUBLIC_KEYS"].values(),
            *(PAYMENTS_WECHATPAY[key] for key in ("API_URL", "MERCHANT_PRIVATE_KEY_FILE")),
            *(PAYMENTS_UNIONPAY[key] for key in ("ROOT_CERT_FILE", "FRONT_TRANS_URL", "GATEWAY_URL")),
            PAYMENTS_UNIONPAY["MERCHANT_PRIVATE_KEY_FILE"],
        )
    ),
}
_refused = sorted(name for name, in_use in _sandboxes_in_use.items() if in_use and name not in STAGING_SANDBOXES)
if _refused:
    raise ImproperlyConfigured(
        "Production refuses these sandboxes: "
        + ", ".join(_refused)
        + ". Configure the real service (SMS_BACKEND, IDENTITY_VERIFIER, ENTERPRISE_VERIFIER, CLAMD_ADDRESS, "
        "FACE_CHECK_PROVIDER), "
        "or, on a staging deployment only, name each one in TONGBAN_STAGING_SANDBOXES."
    )

# The real face check adapter cannot start a single check without its keys and business flow.
if FACE_CHECK_PROVIDER == "tencent":
    _missing = [key for key in ("SECRET_ID", "SECRET_KEY", "RULE_ID") if not FACE_CHECK_TENCENT[key]]
    if _missing:
        raise ImproperlyConfigured(
            "FACE_CHECK_PROVIDER=tencent needs " + ", ".join(f"FACE_CHECK_TENCENT_{key}" for key in _missing) + "."
        )

DEBUG = False
SANDBOX_GATEWAYS_ENABLED = False
# The console SMS backend, if a staging deployment allows it, prints no codes.
SMS_CONSOLE_PRINTS_TEXT = False
# Partner callbacks must be https in production (RFC 9700 section 2.1).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https"]
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# ------------------------------------------------------------------------------
# HTTPS
# ------------------------------------------------------------------------------
# Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=1 only if
# that proxy always overwrites X-Forwarded-Proto; otherwise a client could claim
# HTTPS on a plain connection.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

# ------------------------------------------------------------------------------
# Static files served by WhiteNoise with hashed names
# ------------------------------------------------------------------------------
# (The "default" storage, local or S3, comes from base.py's FILE_STORAGE.)
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# ------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="通办 <noreply@example.invalid>")

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["formatters"]["structured"]["renderer"] = LOG_FORMAT
