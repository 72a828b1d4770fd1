"""Developer and demo settings: DEBUG on, embedded default unless configured."""

from .base import *
from .base import BASE_DIR, OAUTH2_PROVIDER, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Webhook receivers on this machine (http://127.0.0.1:…) are allowed here.
WEBHOOKS_ALLOW_HTTP_LOOPBACK = True


# Static files come from the app folders (WhiteNoise finders): no collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# ------------------------------------------------------------------------------
# OAuth2 / OIDC: a development signing key when none is configured
# ------------------------------------------------------------------------------
# Generated once and kept in var/ so ID tokens stay verifiable across restarts.
# Never used in production, which refuses to start without OIDC_RSA_PRIVATE_KEY.
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:
    from .devkeys import development_rsa_key

    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = development_rsa_key(BASE_DIR / "var" / "oidc-dev-key.pem")
