"""``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` on throttled API responses.

The separate-fields form of draft-ietf-httpapi-ratelimit-headers: the quota of the current window,
what is left of it after this request, and the seconds until the oldest request counted leaves the
window (so at least one more is allowed). They are sent on every answer of a throttled view, a
success as well as the 429, which also carries ``Retry-After`` (common.api).

Two parts, so every throttled view gets them without knowing:

* :class:`RateLimitedThrottle`, the base of our DRF throttles, records the numbers on the request
  after each check. With several throttles on a view the tightest (least remaining) is reported.
* :class:`RateLimitHeadersMiddleware` writes them on the response.
"""

import math
from dataclasses import dataclass

from rest_framework.throttling import SimpleRateThrottle

_ATTRIBUTE = "ratelimit_quota"


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds


def quota_record(request, quota: Quota) -> None:
    """Note ``quota`` on the Django request behind ``request`` (a DRF ``Request`` or not), unless a
    tighter one is already there."""
    target = getattr(request, "_request", request)
    current = getattr(target, _ATTRIBUTE, None)
    if current is None or quota.remaining < current.remaining:
        setattr(target, _ATTRIBUTE, quota)


def request_quota(request) -> Quota | None:
    return getattr(request, _ATTRIBUTE, None)


class RateLimitedThrottle(SimpleRateThrottle):
    """DRF's ``SimpleRateThrottle`` that records its quota on the request for the RateLimit headers.

    Subclass it as you would ``SimpleRateThrottle``; a request the throttle does not count (no rate,
    or ``get_cache_key`` returned ``None``) records nothing.
    """

    def allow_request(self, request, view):
        self.key, self.history = None, []
        allowed = super().allow_request(request, view)
        if self.rate is None or self.key is None:
            return allowed
        # The oldest request counted leaves the window in this many seconds.
        reset = math.ceil(self.duration - (self.now - self.history[-1])) if self.history else self.duration
        quota_record(
            request,
            Quota(
                limit=self.num_requests,
                remaining=max(0, self.num_requests - len(self.history)) if allowed else 0,
                reset=max(1, reset),
            ),
        )
        return allowed


class RateLimitHeadersMiddleware:
    """Writes the quota a throttle recorded on the request as the three RateLimit headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        quota = request_quota(request)
        if quota is not None:
            response["RateLimit-Limit"] = str(quota.limit)
            response["RateLimit-Remaining"] = str(quota.remaining)
            response["RateLimit-Reset"] = str(quota.reset)
        return response
