"""Shared setup for the OAuth2 tests: partner applications, PKCE pairs, token requests.

Everything goes through the real endpoints under /o/; nothing of ours is mocked.
Users come from ``identity.tests.factories.UserFactory``.
"""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from oauth2_provider.models import get_application_model

from identity.oauth.services import partner_scopes_set

Application = get_application_model()

WEB_REDIRECT_URI = "https://partner.example.cn/oauth/callback"
WEB_SECRET = "web-partner-secret"
BACKEND_SECRET = "backend-partner-secret"


def make_web_application(
    *,
    scopes=("openid", "profile", "phone", "applications:read"),
    redirect_uris=WEB_REDIRECT_URI,
    client_id="web-partner",
    name="合作网站",
):
    application = Application.objects.create(
        name=name,
        client_id=client_id,
        client_secret=WEB_SECRET,
        hash_client_secret=True,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uris,
        algorithm=Application.RS256_ALGORITHM,
    )
    partner_scopes_set(application=application, scopes=list(scopes))
    return application


def make_backend_application(*, client_id="backend-partner", scopes=("catalogue:read",)):
    application = Application.objects.create(
        name="合作方后台",
        client_id=client_id,
        client_secret=BACKEND_SECRET,
        hash_client_secret=True,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    partner_scopes_set(application=application, scopes=list(scopes))
    return application


def basic_auth(client_id: str, secret: str) -> dict:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(application, **params) -> str:
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uris.split()[0],
        "scope": "openid profile",
        "state": "state-123",
    }
    query.update(params)
    return "/o/authorize/?" + urlencode({k: v for k, v in query.items() if v is not None})


def query_of(location: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def consent(client, application, *, allow: bool = True, scope: str = "openid profile", verifier_challenge=None):
    """Open the consent page as the signed-in user and answer it; returns the redirect's query."""
    _verifier, challenge = verifier_challenge or pkce_pair()
    page = client.get(authorize_url(application, scope=scope, code_challenge=challenge, code_challenge_method="S256"))
    assert page.status_code == 200, page.content
    data = {key: value for key, value in page.context["form"].initial.items() if value is not None}
    if allow:
        data["allow"] = "on"
    answer = client.post("/o/authorize/", data)
    assert answer.status_code == 302
    assert answer["Location"].startswith(application.redirect_uris.split()[0] + "?")
    return query_of(answer["Location"])


def exchange_code(client, application, code: str, verifier: str):
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": application.redirect_uris.split()[0],
            "code_verifier": verifier,
        },
        **basic_auth(application.client_id, WEB_SECRET),
    )


def authorization_code_tokens(client, application, *, scope: str = "openid profile") -> dict:
    """Run the whole authorization-code + PKCE flow and return the token response."""
    verifier, challenge = pkce_pair()
    code = consent(client, application, scope=scope, verifier_challenge=(verifier, challenge))["code"]
    response = exchange_code(client, application, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def client_credentials_token(client, application, *, scope: str = "catalogue:read", secret=BACKEND_SECRET):
    return client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": scope},
        **basic_auth(application.client_id, secret),
    )
