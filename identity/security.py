import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address as our own infrastructure saw it.

    Without trusted proxies (``TRUSTED_PROXY_COUNT = 0``) that is REMOTE_ADDR and
    X-Forwarded-For is ignored. Behind N proxies we own, each appends the address
    it saw, so the client is the N-th entry from the right; entries further
    left were written by the client and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate
