"""Our oauthlib request validator (``OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]``)."""

import base64
import binascii
import logging
from typing import ClassVar
from urllib.parse import unquote_plus, urlsplit

from django.urls import reverse
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from .clients import (
    JWT_BEARER_ASSERTION_TYPE,
    client_assertion_authenticate,
    client_previous_secret_matches,
    client_uses_private_key_jwt,
)
from .services import authorization_code_record_use, authorization_code_replayed, partner_authorization_record
from .subjects import pairwise_subject

logger = logging.getLogger(__name__)

_ASSERTION_PARAMETERS = ("client_assertion_type", "client_assertion")


def _body_parameters(request) -> list[tuple[str, str]]:
    """The form body's parameters (not the query string's), repeated ones repeated."""
    return list(request.decoded_body or [])


class TongbanOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator with these changes:

    * **Claims.** ``sub`` is pairwise (identity/oauth/subjects.py): each
      partner sees its own identifier for a resident. ``name`` needs the
      ``profile`` scope; ``phone_number`` and ``phone_number_verified`` need
      ``phone``. No other personal data is ever a claim: never an ID number.
    * **ID tokens are RS256 only.** An application set to another algorithm
      (HS256 signs with the client secret) may not ask for ``openid``.
    * **Exact redirect URIs.** The requested ``redirect_uri`` must equal a
      registered one character for character (OIDC Core 3.1.2.1, simple string
      comparison). The toolkit alone lets a loopback ``http://127.0.0.1``
      callback change its port (RFC 8252), which partner web apps never need.
    * **Consent and used codes.** Each code issued records the resident's
      consent (``PartnerAuthorization``); each code exchanged is remembered,
      and a replayed one revokes what it issued (RFC 6749 §4.1.2).
    * **prompt=none.** oauthlib asks ``validate_silent_login`` and
      ``validate_silent_authorization``, which the toolkit leaves unimplemented
      (a 500). They cannot be answered here, without the browser session: our
      AuthorizationView (identity/oauth/views.py) answers ``login_required`` and
      ``consent_required`` itself before oauthlib runs, so both return True.
    * **Client authentication** (token, revocation, introspection), by the
      client's registered method (identity/oauth/clients.py): a secret, by
      HTTP Basic or form parameters, including a previous secret in its
      overlap after a rotation; or a ``private_key_jwt`` assertion (RFC 7523
      §2.2). A client registered for ``private_key_jwt`` cannot use a secret,
      and one with a secret cannot send an assertion.
    * **Disabled users.** A token of a user who is no longer active is refused,
      even if revoking it (identity/oauth/receivers.py) was somehow bypassed.
    """

    oidc_claim_scope: ClassVar[dict[str, str]] = {
        "sub": "openid",
        "name": "profile",
        "phone_number": "phone",
        "phone_number_verified": "phone",
    }

    # --- client authentication ---

    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        if any(name in _ASSERTION_PARAMETERS for name, _value in _body_parameters(request)):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        parameters = _body_parameters(request)
        if any(name in _ASSERTION_PARAMETERS for name, _value in parameters):
            return self._authenticate_assertion(request, parameters)
        authenticated = super().authenticate_client(request, *args, **kwargs)
        if not authenticated:
            authenticated = self._authenticate_previous_secret(request)
        if authenticated and client_uses_private_key_jwt(application=request.client):
            logger.info("OAuth2 client %s sent a secret but is registered for private_key_jwt", request.client_id)
            return False
        return authenticated

    def _authenticate_previous_secret(self, request) -> bool:
        """A secret that was the client's own before a rotation, while its overlap lasts."""
        client_id, secret = None, None
        auth_string = self._extract_basic_auth(request)
        if auth_string:
            try:
                decoded = base64.b64decode(auth_string, validate=True).decode("utf-8")
                client_id, secret = map(unquote_plus, decoded.split(":", 1))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                client_id, secret = None, None
        if not client_id:
            client_id = request.client_id
            secret = getattr(request, "client_secret", None)
        if not client_id or not secret or self._load_application(client_id, request) is None:
            return False
        return client_previous_secret_matches(application=request.client, secret=secret)

    def _authenticate_assertion(self, request, parameters) -> bool:
        names = [name for name, _value in parameters]
        values = dict(parameters)
        if names.count("client_assertion") != 1 or names.count("client_assertion_type") != 1:
            return False
        if values["client_assertion_type"] != JWT_BEARER_ASSERTION_TYPE:
            return False
        # One authentication method per request (RFC 6749 §2.3): no secret beside the assertion.
        if self._extract_basic_auth(request) or "client_secret" in values:
            return False
        application = client_assertion_authenticate(
            assertion=values["client_assertion"],
            client_id=values.get("client_id"),
            audiences=self._assertion_audiences(request),
            load_application=lambda client_id: self._load_application(client_id, request),
        )
        return application is not None

    @staticmethod
    def _assertion_audiences(request) -> set[str]:
        """What an assertion's ``aud`` may be: the token endpoint, the issuer, or the endpoint called."""
        # The toolkit hands oauthlib a relative URI; the issuer carries the public origin.
        issuer = oauth2_settings.oidc_issuer(request)
        issuer_parts = urlsplit(issuer)
        origin = f"{issuer_parts.scheme}://{issuer_parts.netloc}"
        called = urlsplit(request.uri).path
        return {issuer, origin + reverse("oauth2_provider:token"), origin + called}

    # --- claims ---

    def get_additional_claims(self, request) -> dict:
        user = request.user
        return {
            "sub": pairwise_subject(user=user, application=request.client),
            "name": user.display_name or user.get_username(),
            "phone_number": user.mobile or "",
            # Residents register by a code sent to their mobile: a number on an account was confirmed.
            "phone_number_verified": bool(user.mobile),
        }

    def get_discovery_claims(self, request) -> list[str]:
        # The toolkit lists only "sub" when claims are computed per request.
        return list(self.oidc_claim_scope)

    def validate_silent_login(self, request) -> bool:
        return True

    def validate_silent_authorization(self, request) -> bool:
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        if "openid" in scopes and client.algorithm != client.RS256_ALGORITHM:
            return False
        return super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs) -> bool:
        registered = request.client.redirect_uris.split()
        return redirect_uri in registered and super().validate_redirect_uri(
            client_id, redirect_uri, request, *args, **kwargs
        )

    def save_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        partner_authorization_record(user=request.user, application=request.client, scopes=request.scopes)

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        authorization_code_replayed(code=code, application=client)
        return False

    def save_bearer_token(self, token, request, *args, **kwargs):
        result = super().save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and request.code and token.get("access_token"):
            authorization_code_record_use(
                code=request.code, application=request.client, user=request.user, access_token=token["access_token"]
            )
        return result

    def validate_bearer_token(self, token, scopes, request) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        user = request.user
        return user is None or user.is_active

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        return request.user.is_active
