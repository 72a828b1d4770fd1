"""DRF authentication for the partner API: OAuth2 bearer tokens, in the header only (RFC 6750)."""

from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, status

from identity.oauth.backends import token_outside_header


def bearer_challenge(error: str, description: str = "", **params) -> str:
    """A ``WWW-Authenticate: Bearer`` value (RFC 6750 §3)."""
    attributes = {"realm": "api", "error": error, **params}
    if description:
        attributes["error_description"] = description
    return "Bearer " + ", ".join(f'{key}="{value}"' for key, value in attributes.items())


class TokenOutsideHeader(exceptions.APIException):
    """An access token in the query string or a form body: refused, whatever it is worth."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_request"
    default_detail = _("访问令牌只能放在 Authorization 请求头中发送。")
    auth_header = bearer_challenge("invalid_request", "Send the access token in the Authorization header only.")


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"
    default_detail = _("访问令牌无效、已过期或已被撤销。")


class BearerTokenAuthentication(OAuth2Authentication):
    """django-oauth-toolkit's authentication, stricter in two ways.

    * A token in the query string or a form body is refused with 400
      ``invalid_request`` (the oauthlib core ignores it too: see
      identity/oauth/backends.py).
    * A request that presents a bearer token which is unknown, expired or
      revoked gets 401 ``invalid_token``, even on an endpoint anonymous
      callers may read: the partner learns its token is bad instead of
      silently being served as anonymous.
    """

    def authenticate(self, request):
        if token_outside_header(request._request):
            raise TokenOutsideHeader()
        header = request.META.get("HTTP_AUTHORIZATION", "")
        result = super().authenticate(request)
        if result is None and header[:7].lower() == "bearer ":
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The access token is unknown, expired or revoked.",
            }
            raise InvalidToken()
        return result

    def authenticate_header(self, request):
        oauth2_error = getattr(request, "oauth2_error", None) or {}
        if not oauth2_error:
            return 'Bearer realm="api"'
        return bearer_challenge(oauth2_error.get("error", "invalid_token"), oauth2_error.get("error_description", ""))


# Describe this class in the OpenAPI schema as the toolkit's "oauth2" scheme.
from . import schema  # noqa: E402, F401
