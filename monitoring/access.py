"""Who may read /metrics: a bearer token, or a client address in the allow-list.

With neither ``METRICS_TOKEN`` nor ``METRICS_ALLOWED_IPS`` set, nobody may.
"""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings

from identity.security import client_ip


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _token_matches(request) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _space, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def _address_allowed(request) -> bool:
    networks = _networks(tuple(settings.METRICS_ALLOWED_IPS))
    if not networks:
        return False
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def metrics_access_allowed(request) -> bool:
    return _token_matches(request) or _address_allowed(request)
