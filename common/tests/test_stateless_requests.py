"""Anonymous GETs of public pages and bearer-token API calls skip the stateful middleware.

They load no session (from Redis or PostgreSQL), set no cookie, and still carry
every security header; a signed-in page still gets its session, OTP state and timeouts.
"""

from importlib import import_module

import pytest
from axes.middleware import AxesMiddleware as LibraryAxesMiddleware
from django.conf import settings
from django.utils.module_loading import import_string

from identity.models import UserSession
from identity.tests.factories import PASSWORD, UserFactory
from identity.tests.oauth_helpers import client_credentials_token, make_backend_application

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture
def session_reads(monkeypatch):
    """Every time a session is read from its store (Redis, then PostgreSQL behind it)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    reads = []
    original = store.load

    def load(self):
        reads.append(self.session_key)
        return original(self)

    monkeypatch.setattr(store, "load", load)
    return reads


def _bearer_token(client) -> str:
    return client_credentials_token(client, make_backend_application()).json()["access_token"]


def _assert_security_headers(response):
    for header in SECURITY_HEADERS:
        assert response.has_header(header), header


def test_an_anonymous_home_page_loads_no_session_and_sets_no_cookie(
    client, catalogue, session_reads, django_assert_num_queries
):
    client.get("/")  # fills the page cache
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    request = response.wsgi_request
    assert request.stateless and not hasattr(request, "session") and not hasattr(request, "_messages")
    assert not request.user.is_authenticated
    assert session_reads == []
    _assert_security_headers(response)


def test_an_anonymous_english_guide_page_is_stateless_too(client, catalogue, session_reads):
    response = client.get("/en/services/440100-BDC-001/")
    assert response.status_code == 200
    assert response.wsgi_request.stateless and not response.cookies
    assert session_reads == []
    _assert_security_headers(response)


def test_a_bearer_token_api_call_loads_no_session_even_with_a_session_cookie(client, catalogue, session_reads):
    token = _bearer_token(client)
    signed_in = UserFactory()
    client.force_login(signed_in)
    session_reads.clear()

    response = client.get("/api/v1/services/", {"page_size": 5}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200 and len(response.json()["results"]) == 5
    assert not response.cookies
    request = response.wsgi_request
    assert request.stateless and not hasattr(request, "session")
    # DRF authenticated the partner's client-credentials token (no user), not the session's user.
    assert request.user is None and request.auth is not None
    assert session_reads == []
    _assert_security_headers(response)


def test_a_bad_bearer_token_is_still_refused(client, catalogue):
    response = client.get("/api/v1/services/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/account/login/", "/en/account/login/", "/o/authorize/"])
def test_sign_in_paths_keep_the_session_for_anonymous_visitors(client, path):
    response = client.get(path)
    assert not response.wsgi_request.stateless
    assert hasattr(response.wsgi_request, "session")


def test_a_pending_flash_message_keeps_the_request_stateful(client, catalogue):
    client.cookies["messages"] = "pending"
    response = client.get("/")
    assert not response.wsgi_request.stateless
    assert hasattr(response.wsgi_request, "_messages")


def test_a_signed_in_page_still_gets_its_session_otp_state_and_session_registry(client):
    user = UserFactory()
    response = client.post("/account/login/", {"username": user.mobile, "password": PASSWORD})
    assert response.status_code == 302
    assert UserSession.objects.filter(user=user, ended_at__isnull=True).count() == 1

    response = client.get("/account/security/")

    assert response.status_code == 200
    request = response.wsgi_request
    assert not request.stateless
    assert request.user.pk == user.pk
    # django-otp ran: it tells whether this session passed a second factor.
    assert request.user.is_verified() is False
    assert request.session.get("auth_started_at") is not None


def test_five_failed_sign_ins_still_lock_the_account(client):
    user = UserFactory()
    for _attempt in range(5):
        client.post("/account/login/", {"username": user.mobile, "password": "wrong-password"})
    response = client.post("/account/login/", {"username": user.mobile, "password": PASSWORD})
    assert response.status_code == 429


def test_our_axes_middleware_is_installed_last():
    # axes.W002 is silenced because django-axes looks for its own dotted path only.
    assert issubclass(import_string(settings.MIDDLEWARE[-1]), LibraryAxesMiddleware)
