"""Throttling for the public catalogue API.

Anonymous reads are allowed but limited per client address. A request whose
OAuth2 token carries the ``catalogue:read`` scope is limited per token at a
higher rate. The token is read duck-typed (``request.auth.scope``, a
space-separated string as on django-oauth-toolkit's ``AccessToken``), so this
works whichever authentication class put it there. Every answer carries the
RateLimit headers (common/ratelimit.py).
"""

import hashlib

from common.ratelimit import RateLimitedThrottle

CATALOGUE_READ_SCOPE = "catalogue:read"


def has_catalogue_scope(auth) -> bool:
    scope = getattr(auth, "scope", None)
    if not isinstance(scope, str):
        return False
    if CATALOGUE_READ_SCOPE not in scope.split():
        return False
    is_valid = getattr(auth, "is_valid", None)
    # An expired or revoked token gets the anonymous rate.
    return is_valid([CATALOGUE_READ_SCOPE]) if callable(is_valid) else True


class CatalogueThrottle(RateLimitedThrottle):
    anonymous_scope = "catalogue_anon"
    token_scope = "catalogue_token"  # noqa: S105 - a throttle rate name, not a secret

    def __init__(self):
        # The scope, and so the rate, is chosen per request in allow_request().
        pass

    def allow_request(self, request, view):
        self.scope = self.token_scope if has_catalogue_scope(request.auth) else self.anonymous_scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if self.scope == self.token_scope:
            token_id = getattr(request.auth, "pk", None)
            if token_id is None:
                # A stable digest, so every worker process counts the same token alike.
                token_id = hashlib.sha256(str(getattr(request.auth, "token", request.auth)).encode()).hexdigest()[:32]
            ident = f"token-{token_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
