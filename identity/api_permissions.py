"""DRF permissions for the partner API: OAuth2 scopes per view.

A view declares what a token must carry, for reads and for writes::

    class ApplicationViewSet(...):
        permission_classes = (RequiredScopes,)
        required_scopes_read = ("applications:read",)
        required_scopes_write = ("applications:write",)

Reads are GET, HEAD and OPTIONS; every other method is a write. A view that
leaves ``required_scopes_write`` unset is read-only for tokens: writes are
refused. Requests authenticated by a session (our own pages) are let through,
since the resident acts in person there; combine with ``IsAuthenticated``
where a signed-in user is required.
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS, BasePermission

from identity.api.authentication import bearer_challenge


class InsufficientScope(exceptions.APIException):
    """403 ``insufficient_scope`` naming the scopes the request needs (RFC 6750 §3.1).

    The scopes are in the ``WWW-Authenticate`` challenge and in the
    problem+json body (``required_scopes``).
    """

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "insufficient_scope"

    def __init__(self, scopes):
        scope = " ".join(scopes)
        super().__init__(_("访问令牌缺少所需的权限范围：%(scope)s") % {"scope": scope})
        self.auth_header = bearer_challenge(
            "insufficient_scope", f"The access token needs the scope: {scope}", scope=scope
        )
        self.problem_extra = {"required_scopes": list(scopes)}


class RequiredScopes(TokenHasScope):
    """The token carries every scope the view requires for this method.

    Built on django-oauth-toolkit's ``TokenHasScope``, which reads
    ``view.required_scopes``; this reads ``required_scopes_read`` or
    ``required_scopes_write`` instead, depending on the method. A request that
    is not OAuth2-authenticated is refused, except a session request (see the
    module docstring).
    """

    def has_permission(self, request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            # The view has no handler for this method: let DRF answer 405, which
            # says more than a scope error (and a GET on a write-only view must
            # not ask for read scopes it never declared).
            return True
        authenticator = getattr(request, "successful_authenticator", None)
        if authenticator is not None and not isinstance(authenticator, OAuth2Authentication):
            return bool(request.user and request.user.is_authenticated)
        if request.method not in SAFE_METHODS and getattr(view, "required_scopes_write", None) is None:
            # No write scope declared: a token never writes here.
            self.message = _("此接口不允许通过 OAuth2 令牌写入。")
            return False
        if super().has_permission(request, view):
            return True
        token = request.auth
        if token is not None and hasattr(token, "allow_scopes") and not token.is_expired():
            raise InsufficientScope(self.get_scopes(request, view))
        return False

    def get_scopes(self, request, view) -> list[str]:
        attribute = "required_scopes_read" if request.method in SAFE_METHODS else "required_scopes_write"
        if request.method == "OPTIONS" and getattr(view, "required_scopes_read", None) is None:
            # A write-only view (e-ID or certificate verification) describes its writes to whoever may make them.
            attribute = "required_scopes_write"
        scopes = getattr(view, attribute, None)
        if scopes is None:
            raise ImproperlyConfigured(f"{type(view).__name__} must set {attribute}.")
        return list(scopes)


class TokenHasUser(BasePermission):
    """The request acts for a signed-in person: a session, or a token issued
    to a user (authorization code), not a partner's client-credentials token."""

    # Read by the OpenAPI schema (common.openapi): such operations say ``x-token: resident``.
    requires_user = True

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
