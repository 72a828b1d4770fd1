"""Demo OAuth2 clients for ``seed_demo``. Demo only: the secrets are public."""

from oauth2_provider.models import get_application_model

from .oauth.scopes import all_scope_names
from .oauth.services import partner_scopes_set

DEMO_PARTNER_CLIENT_ID = "demo-partner"
DEMO_PARTNER_SECRET = "demo-partner-secret"  # noqa: S105 - published demo credential
DEMO_PARTNER_WEB_CLIENT_ID = "demo-partner-web"
DEMO_PARTNER_WEB_SECRET = "demo-partner-web-secret"  # noqa: S105 - published demo credential
DEMO_PARTNER_WEB_REDIRECT_URI = "http://127.0.0.1:8000/partner-callback"


def _application(*, client_id: str, secret: str, **fields):
    """Create the client once; later runs leave its (hashed) secret alone."""
    Application = get_application_model()
    application = Application.objects.filter(client_id=client_id).first()
    if application is None:
        application = Application.objects.create(
            client_id=client_id, client_secret=secret, hash_client_secret=True, **fields
        )
    return application


def seed() -> list[str]:
    Application = get_application_model()
    backend = _application(
        client_id=DEMO_PARTNER_CLIENT_ID,
        secret=DEMO_PARTNER_SECRET,
        name="演示合作方（后台）",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    # The issue asks for every scope; openid and profile stay inert here, as a
    # client-credentials token acts for no resident.
    partner_scopes_set(application=backend, scopes=all_scope_names())

    web = _application(
        client_id=DEMO_PARTNER_WEB_CLIENT_ID,
        secret=DEMO_PARTNER_WEB_SECRET,
        name="演示合作方（网站）",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=DEMO_PARTNER_WEB_REDIRECT_URI,
        algorithm=Application.RS256_ALGORITHM,
    )
    partner_scopes_set(application=web, scopes=all_scope_names())

    issuer = "/o/.well-known/openid-configuration"
    return [
        f"OAuth2 合作方后台 / partner back-end (client credentials): {DEMO_PARTNER_CLIENT_ID} / {DEMO_PARTNER_SECRET}"
        "  → POST /o/token/",
        f"OAuth2 合作方网站 / partner web (authorization code + PKCE S256): {DEMO_PARTNER_WEB_CLIENT_ID} / "
        f"{DEMO_PARTNER_WEB_SECRET}, redirect_uri {DEMO_PARTNER_WEB_REDIRECT_URI}  → {issuer}",
    ]
