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
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework.permissions import SAFE_METHODS, BasePermission


class RequiredScopes(TokenHasScope):
    """The token carries every scope the view requires for this method.

    Built on django-oauth-toolkit's ``TokenHasScope``, which reads
    ``view.required_scopes``; this reads ``required_scopes_read`` or
    ``required_scopes_write`` instead, depending on the method. A request that
    is not OAuth2-authenticated is refused, except a session request (see the
    module docstring).
    """

    def has_permission(self, request, view) -> bool:
        authenticator = getattr(request, "successful_authenticator", None)
        if authenticator is not None and not isinstance(authenticator, OAuth2Authentication):
            return bool(request.user and request.user.is_authenticated)
        if request.method not in SAFE_METHODS and getattr(view, "required_scopes_write", None) is None:
            # No write scope declared: a token never writes here.
            self.message = _("此接口不允许通过 OAuth2 令牌写入。")
            return False
        return super().has_permission(request, view)

    def get_scopes(self, request, view) -> list[str]:
        attribute = "required_scopes_read" if request.method in SAFE_METHODS else "required_scopes_write"
        scopes = getattr(view, attribute, None)
        if scopes is None:
            raise ImproperlyConfigured(f"{type(view).__name__} must set {attribute}.")
        return list(scopes)


class TokenHasUser(BasePermission):
    """The request acts for a signed-in person: a session, or a token issued
    to a user (authorization code), not a partner's client-credentials token."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
