"""Production settings: PostgreSQL, Redis, a Celery worker and beat, HTTPS.

Refuses to start without a real secret key, a database and Redis.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import INSECURE_DEFAULT_SECRET_KEY, LOGGING, REDIS_URL, SECRET_KEY, env

if not SECRET_KEY or SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
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

DEBUG = False
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="通办 <noreply@example.invalid>")

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["formatters"]["structured"]["renderer"] = LOG_FORMAT
