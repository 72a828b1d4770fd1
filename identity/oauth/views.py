"""Our variants of the toolkit's views: consent, discovery, introspection, userinfo."""

import calendar
import hashlib
import json
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views
from oauth2_provider.compat import login_not_required
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_backends import _add_iss_to_redirect, get_oauthlib_core
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError

from identity.models import PartnerScopeGrant

from .backends import token_outside_header
from .clients import ASSERTION_SIGNING_ALGORITHMS, TOKEN_ENDPOINT_AUTH_METHODS
from .policies import authorization_refusal
from .selectors import partner_authorization_covers
from .subjects import pairwise_subject

# When this session signed in (seconds since the epoch), for max_age; set by identity/oauth/receivers.py.
AUTH_TIME_SESSION_KEY = "oauth_auth_time"


def language_from_ui_locales(ui_locales: str) -> str | None:
    """The first of the partner's OIDC ``ui_locales`` (e.g. ``"en zh-CN"``) that we speak."""
    for tag in ui_locales.split():
        try:
            language = translation.get_supported_language_variant(tag.lower())
        except LookupError:
            continue
        if language in dict(settings.LANGUAGES):
            return language
    return None


def csp_source_for_redirect(redirect_uri: str) -> str:
    """``redirect_uri`` as a CSP source expression: scheme, host, port and path.

    A query is no part of a source expression; a path with characters that
    would end one falls back to the origin alone.
    """
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    if any(character in parts.path for character in ";, "):
        return origin
    return origin + parts.path


def _issuer(request) -> str:
    return oauth2_settings.oidc_issuer(request)


def _auth_age(request) -> float:
    """Seconds since this session signed in (since the user's last sign-in if the session predates the record)."""
    auth_time = request.session.get(AUTH_TIME_SESSION_KEY)
    if auth_time is None:
        last_login = request.user.last_login
        auth_time = last_login.timestamp() if last_login else 0
    return time.time() - auth_time


def _max_age(request) -> int | None:
    value = request.GET.get("max_age", "")
    return int(value) if value.isdigit() else None


class AuthorizationView(views.AuthorizationView):
    """The consent page, as django-oauth-toolkit's, with these additions.

    * **Language.** /o/ carries no language prefix, so pages there are in
      Chinese; a partner serving English readers passes ``ui_locales=en``
      (OpenID Connect Core 3.1.2.1) and the resident reads it in English.
    * **CSP.** Browsers that apply the site-wide ``form-action 'self'`` to
      redirects too (CSP Level 3) would block the form's answer, a redirect
      back to the partner. The consent page also allows exactly the redirect
      URI that was just validated against the application's registered ones.
    * **iss everywhere** (RFC 9207). Every redirect back to the partner, an
      error as well as a code, carries ``iss``; the toolkit adds it to codes only.
    * **prompt=none** (OIDC Core 3.1.2.1) never shows a page: a visitor who is
      not signed in (or signed in longer ago than ``max_age``) gets
      ``login_required``, a resident who has not consented to these scopes
      ``consent_required``, and a resident who has gets a code at once.
    * **max_age.** A resident whose sign-in is older than ``max_age`` seconds
      signs in afresh before the consent page.
    """

    def redirect(self, redirect_to, application):
        return super().redirect(_add_iss_to_redirect(redirect_to, _issuer(self.request)), application)

    def _refusal(self, request, credentials: dict) -> OAuthToolkitError | None:
        """``access_denied`` when a policy (identity/oauth/policies.py) refuses this user this client."""
        application = get_application_model().objects.filter(client_id=credentials.get("client_id")).first()
        if application is None or not request.user.is_authenticated:
            return None
        reason = authorization_refusal(user=request.user, application=application)
        if reason is None:
            return None
        return OAuthToolkitError(
            error=AccessDeniedError(description=reason, state=credentials.get("state")),
            redirect_uri=credentials.get("redirect_uri"),
        )

    def create_authorization_response(self, request, scopes, credentials, allow, *args, **kwargs):
        # Every code leaves through here (the consent form and prompt=none alike).
        refused = self._refusal(request, credentials) if allow else None
        if refused is not None:
            raise refused
        return super().create_authorization_response(request, scopes, credentials, allow, *args, **kwargs)

    def _silent_answer(self, request, error: str | None):
        """Answer a prompt=none request without a page: ``error``, or a code if ``error`` is None."""
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as refused:
            return self.error_response(refused, application=None)
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        if error is None and not partner_authorization_covers(
            user=request.user, application=application, scopes=scopes
        ):
            error = "consent_required"
        if error is None:
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as refused:
                return self.error_response(refused, application)
            return self.redirect(uri, application)
        parameters = {"error": error}
        if credentials.get("state"):
            parameters["state"] = credentials["state"]
        redirect_uri = credentials["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        return self.redirect(redirect_uri + separator + urlencode(parameters), application)

    def handle_no_permission(self):
        if "none" in self.request.GET.get("prompt", "").split():
            return self._silent_answer(self.request, "login_required")
        return super().handle_no_permission()

    def get(self, request, *args, **kwargs):
        prompt = request.GET.get("prompt", "").split()
        max_age = _max_age(request)
        too_old = max_age is not None and _auth_age(request) > max_age
        if "none" in prompt:
            return self._silent_answer(request, "login_required" if too_old else None)
        if too_old:
            # Sign in afresh; the way back drops max_age, which the new sign-in satisfies. The
            # session is not ended here: any site could otherwise sign residents out with a link.
            parts = urlsplit(request.get_full_path())
            query = [(key, value) for key, value in request.GET.items() if key != "max_age"]
            return redirect_to_login(
                parts._replace(query=urlencode(query)).geturl(), self.get_login_url(), self.get_redirect_field_name()
            )
        return self._consent_page(request, *args, **kwargs)

    def _consent_page(self, request, *args, **kwargs):
        language = language_from_ui_locales(request.GET.get("ui_locales", ""))
        if language is None:
            response = super().get(request, *args, **kwargs)
        else:
            with translation.override(language):
                response = super().get(request, *args, **kwargs)
                # Render now: a TemplateResponse would otherwise render after the override ends.
                if hasattr(response, "render"):
                    response.render()
            response["Content-Language"] = language
        redirect_uri = self.oauth2_data.get("redirect_uri")
        if response.status_code == 200 and redirect_uri:
            # A policy refusing this resident sends them back at once, rather than after consenting.
            refused = self._refusal(request, self.oauth2_data)
            if refused is not None:
                application = get_application_model().objects.get(client_id=self.oauth2_data["client_id"])
                return self.error_response(refused, application)
            response._csp_update = {"form-action": [csp_source_for_redirect(redirect_uri)]}
        return response


def _json(response) -> dict:
    return json.loads(response.content)


def _metadata_response(data: dict) -> JsonResponse:
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _endpoints(view, request) -> dict:
    """What both discovery documents say the same way, and truthfully.

    Clients authenticate with a secret (HTTP Basic or form parameters) or a
    ``private_key_jwt`` assertion, alike at the token, revocation and
    introspection endpoints (identity/oauth/clients.py).
    """
    methods = list(TOKEN_ENDPOINT_AUTH_METHODS)
    algorithms = list(ASSERTION_SIGNING_ALGORITHMS)
    return {
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": algorithms,
        "issuer": _issuer(request),
        "grant_types_supported": list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "revocation_endpoint": view._get_endpoint_url(request, "revoke-token", required=True),
        "revocation_endpoint_auth_methods_supported": methods,
        "introspection_endpoint": view._get_endpoint_url(request, "introspect", required=True),
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_signing_alg_values_supported": algorithms,
        "introspection_endpoint_auth_signing_alg_values_supported": algorithms,
        "authorization_response_iss_parameter_supported": True,
    }


@method_decorator(login_not_required, name="dispatch")
class DiscoveryView(views.ConnectDiscoveryInfoView):
    """OpenID Provider metadata, corrected where the toolkit's would not be true here.

    ID tokens are signed RS256 only (the toolkit also lists HS256); the grant
    types, revocation and introspection endpoints are listed; subjects are
    pairwise; and every authorization response carries ``iss``.
    """

    def get(self, request, *args, **kwargs):
        data = _json(super().get(request, *args, **kwargs))
        data.update(_endpoints(self, request))
        data["id_token_signing_alg_values_supported"] = ["RS256"]
        data["subject_types_supported"] = ["pairwise"]
        data["prompt_values_supported"] = ["none", "login"]
        data["claims_parameter_supported"] = False
        return _metadata_response(data)


@method_decorator(login_not_required, name="dispatch")
class ServerMetadataView(views.OAuthServerMetadataView):
    """RFC 8414 authorization server metadata.

    The issuer is ``https://host/o``, so RFC 8414 §3 puts this document at
    ``/.well-known/oauth-authorization-server/o`` (config/urls.py); it is also
    served at ``/o/.well-known/oauth-authorization-server`` for clients that
    look there. Both say the same as the OpenID configuration.
    """

    def get(self, request, *args, **kwargs):
        data = _json(super().get(request, *args, **kwargs))
        data.update(_endpoints(self, request))
        data["scopes_supported"] = sorted(data["scopes_supported"])
        return _metadata_response(data)


def _invalid_client() -> JsonResponse:
    response = JsonResponse(
        {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
    )
    response["WWW-Authenticate"] = 'Basic realm="oauth"'
    return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class IntrospectView(View):
    """Token introspection (RFC 7662), answered only to those entitled to it.

    * POST only, with client authentication (HTTP Basic, the client's id and
      secret in the body, or a ``private_key_jwt`` assertion); anything else
      is 401 ``invalid_client``. A bearer
      token does not authenticate a caller here.
    * A client learns about tokens issued to itself. A resource server that an
      official has marked "may introspect" (``PartnerScopeGrant.may_introspect``,
      in the admin) learns about any token. Every other token is, to the
      caller, ``{"active": false}``: the same answer as an unknown one.
    * The answer never names the resident by their mobile number or username:
      ``sub`` is the pairwise identifier of the token's own application.
    """

    http_method_names = ("post", "options")

    def _authenticated_client(self, request):
        core = get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauthlib_request = OauthlibRequest(uri, http_method, body, headers)
        if not core.server.request_validator.authenticate_client(oauthlib_request):
            return None
        return oauthlib_request.client

    def post(self, request, *args, **kwargs):
        caller = self._authenticated_client(request)
        if caller is None:
            return _invalid_client()
        value = request.POST.get("token")
        if not value:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Token parameter is missing."}, status=400
            )
        inactive = JsonResponse({"active": False})
        checksum = hashlib.sha256(value.encode("utf-8")).hexdigest()
        token = (
            get_access_token_model()
            .objects.select_related("user", "application")
            .filter(token_checksum=checksum)
            .first()
        )
        if token is None or not token.is_valid() or token.application is None:
            return inactive
        if token.user is not None and not token.user.is_active:
            return inactive
        if token.application_id != caller.pk and not self._may_introspect_any(caller):
            return inactive
        data = {
            "active": True,
            "scope": token.scope,
            "client_id": token.application.client_id,
            "token_type": "Bearer",
            "exp": int(calendar.timegm(token.expires.timetuple())),
            "iat": int(calendar.timegm(token.created.timetuple())),
            "iss": _issuer(request),
        }
        if token.user is not None:
            data["sub"] = pairwise_subject(user=token.user, application=token.application)
        if token.resource:
            data["aud"] = token.resource
        return JsonResponse(data)

    @staticmethod
    def _may_introspect_any(caller) -> bool:
        return PartnerScopeGrant.objects.filter(application=caller, may_introspect=True).exists()


def _invalid_request_outside_header() -> HttpResponse:
    response = JsonResponse(
        {"error": "invalid_request", "error_description": "Send the access token in the Authorization header only."},
        status=400,
    )
    response["WWW-Authenticate"] = (
        'Bearer error="invalid_request", error_description="Send the access token in the Authorization header only."'
    )
    return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class UserInfoView(views.UserInfoView):
    """OIDC userinfo, with the access token in the ``Authorization`` header only.

    A token in the query string or a form body is refused with 400
    ``invalid_request`` (the oauthlib core would ignore it anyway).
    """

    def dispatch(self, request, *args, **kwargs):
        if token_outside_header(request):
            return _invalid_request_outside_header()
        return super().dispatch(request, *args, **kwargs)
