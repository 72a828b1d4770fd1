import functools
import re
import uuid
from typing import NamedTuple

import structlog
from axes import middleware as axes_middleware
from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import middleware as messages_middleware
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions import middleware as sessions_middleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django_otp import middleware as otp_middleware

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id, bound to all its log lines and echoed in
    ``X-Request-ID`` so a resident's report can be matched to the logs.

    An incoming ``X-Request-ID`` from the proxy is kept when it looks sane.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.clear_contextvars()
        response["X-Request-ID"] = request_id
        return response


# --- Stateless requests ---------------------------------------------------------------
#
# An anonymous GET of a public page and a partner's bearer-token API call need no
# session, no signed-in user, no OTP device, no flash messages and no sign-in
# lockout bookkeeping. StatelessRequestMiddleware decides once per request; the
# subclasses below run their library's middleware only for the other requests.
# Security headers, CSP, CSRF, the request id and the input guard run on every request.

# Paths that sign people in or may start a session even for an anonymous GET.
STATEFUL_PATH_PREFIXES = ("/admin/", "/account/", "/o/", "/sandbox/")
_API_PREFIX = "/api/"
# Machine endpoints that never use a session, whatever cookies or method come with them.
STATELESS_PATHS = frozenset({"/metrics"})


def _without_language_prefix(path: str) -> str:
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            return path[len(code) + 1 :]
    return path


def request_is_stateless(request) -> bool:
    """True for a bearer-token API call, and for a GET or HEAD that carries neither a
    session cookie nor a pending flash message outside the sign-in paths."""
    path = request.path_info
    if path in STATELESS_PATHS:
        return True
    if path.startswith(_API_PREFIX) and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer ":
        # DRF's bearer authentication answers for the caller (or refuses with 401);
        # the session is never consulted, whatever cookies the client sends.
        return True
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    return not _without_language_prefix(path).startswith(STATEFUL_PATH_PREFIXES)


async def _anonymous_auser():
    return AnonymousUser()


class StatelessRequestMiddleware:
    """Marks ``request.stateless`` and gives such a request an anonymous user, so views
    and templates read ``request.user`` as usual (DRF replaces it for a bearer token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.stateless = request_is_stateless(request)
        if request.stateless:
            request.user = AnonymousUser()
            request.auser = _anonymous_auser
        return self.get_response(request)


class _SkippedWhenStateless:
    """Mixed into a library middleware whose work is done in ``__call__`` (or in
    ``process_request``/``process_response``): passes stateless requests straight on."""

    def __call__(self, request):
        if getattr(request, "stateless", False):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SkippedWhenStateless, sessions_middleware.SessionMiddleware):
    pass


class AuthenticationMiddleware(_SkippedWhenStateless, auth_middleware.AuthenticationMiddleware):
    pass


class OTPMiddleware(_SkippedWhenStateless, otp_middleware.OTPMiddleware):
    pass


class MessageMiddleware(_SkippedWhenStateless, messages_middleware.MessageMiddleware):
    pass


class AxesMiddleware(_SkippedWhenStateless, axes_middleware.AxesMiddleware):
    pass


class ApiLanguageMiddleware:
    """API and OAuth answers follow the caller's ``Accept-Language``.

    Pages carry their language in the path (Chinese unprefixed, English under
    /en/), so for an unprefixed path Django's LocaleMiddleware activates the
    default language whatever the request says. A partner's system has no
    path prefix to choose: under /api/ and /o/ the language comes from
    ``Accept-Language`` instead, and ``Content-Language`` says which was used.
    Placed right after LocaleMiddleware.
    """

    PREFIXES = (_API_PREFIX, "/o/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(self.PREFIXES) and "HTTP_ACCEPT_LANGUAGE" in request.META:
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# --- Content Security Policy ----------------------------------------------------------
#
# django-csp rebuilds both policy strings for every response (deep-copying the settings
# dicts on the way), about 40 µs a request, although almost every response carries the
# same site-wide policy. Only a response that changes its policy (the csp decorators, or
# ``response._csp_update`` as the OAuth consent page sets) or a request that used a nonce
# needs the per-response build.

_PER_RESPONSE_POLICY_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class _SitePolicies(NamedTuple):
    policy: str
    report_only_policy: str
    # A policy that exempts path prefixes is applied per request by django-csp itself.
    excludes_paths: bool


@functools.cache
def _site_policies() -> _SitePolicies:
    """The site-wide policy and report-only policy, as django-csp would build them."""
    return _SitePolicies(
        policy=build_policy(),
        report_only_policy=build_policy(report_only=True),
        excludes_paths=any(
            (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        ),
    )


@receiver(setting_changed)
def _forget_site_policies(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _site_policies.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the site-wide policy strings built once per process.
    Anything unusual (a nonce, a per-response policy, excluded paths, DEBUG's error pages)
    goes through django-csp's own code unchanged."""

    def process_response(self, request, response):
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_POLICY_ATTRIBUTES)
            or (site := _site_policies()).excludes_paths
        ):
            return super().process_response(request, response)
        if site.policy and HEADER not in response:
            response[HEADER] = site.policy
        if site.report_only_policy and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = site.report_only_policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
