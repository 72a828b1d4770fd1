"""Real-name verifiers (实名认证), as registry plugins.

A verifier confirms that a name and an ID number belong together. Shipped:

* ``sandbox`` — a table of test identities kept by officials in the admin
  (:class:`identity.models.SandboxIdentity`); labelled as sandbox everywhere.
* ``http`` — an adapter for an authoritative verification gateway speaking the
  protocol documented in :mod:`identity.verification.contrib.http`.

``settings.IDENTITY_VERIFIER`` selects the one in use.
"""

from django.conf import settings

from .base import BaseVerifier, VerificationResult
from .registry import register

__all__ = ["BaseVerifier", "VerificationResult", "get_verifier", "register"]


def get_verifier() -> BaseVerifier:
    return register[settings.IDENTITY_VERIFIER]
