"""Pairwise subject identifiers (OpenID Connect Core §8.1).

Each partner sees its own stable ``sub`` for a resident, so two partners cannot
join their records on it, and none learns our database id. The identifier is
an HMAC-SHA256, keyed by ``OIDC_PAIRWISE_SUBJECT_KEY``, of the partner's sector
and the user's id:

* the sector is the host of the application's redirect URIs when they all
  share one host (OIDC Core §8.1), and its client id otherwise (a
  client-credentials back-end, or callbacks on several hosts). Registering a
  callback on another host therefore changes the partner's identifiers: give
  such a partner the same host, or keep it on one application.
"""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from django.conf import settings


def sector_identifier(application) -> str:
    hosts = {urlsplit(uri).hostname for uri in (application.redirect_uris or "").split()}
    hosts.discard(None)
    if len(hosts) == 1:
        return hosts.pop()
    return f"client:{application.client_id}"


def pairwise_subject(*, user, application) -> str:
    """The ``sub`` that ``application`` sees for ``user``: 43 URL-safe characters."""
    message = f"{sector_identifier(application)}\n{user.pk}".encode()
    key = settings.OIDC_PAIRWISE_SUBJECT_KEY.encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
