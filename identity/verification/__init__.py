"""Real-name verifiers (实名认证), as registry plugins.

A verifier confirms that a name and an ID number belong together. Shipped:

* ``sandbox`` — a table of test identities kept by officials in the admin
  (:class:`identity.models.SandboxIdentity`); labelled as sandbox everywhere.
* ``http`` — an adapter for an authoritative verification gateway speaking the
  protocol documented in :mod:`identity.verification.contrib.http`.

``settings.IDENTITY_VERIFIER`` selects the one in use.

Enterprise verifiers (企业登记核验) confirm a USCC, the enterprise's name and
that a verified resident is its legal representative. Shipped, in the same
shape:

* ``sandbox`` — a table of demo enterprises kept by officials in the admin
  (:class:`identity.models.SandboxEnterprise`, 沙箱测试企业).
* ``http`` — an adapter for the gateway protocol documented in
  :mod:`identity.verification.contrib.http` (the same signing as for identities).

``settings.ENTERPRISE_VERIFIER`` selects the one in use. Both kinds carry
``is_sandbox``: True means no real registry is asked.
"""

from django.conf import settings

from .base import (
    BaseEnterpriseVerifier,
    BaseVerifier,
    EnterpriseOutcome,
    EnterpriseVerificationResult,
    VerificationResult,
)
from .registry import register, register_enterprise

__all__ = [
    "BaseEnterpriseVerifier",
    "BaseVerifier",
    "EnterpriseOutcome",
    "EnterpriseVerificationResult",
    "VerificationResult",
    "get_enterprise_verifier",
    "get_verifier",
    "register",
    "register_enterprise",
]


def get_verifier() -> BaseVerifier:
    return register[settings.IDENTITY_VERIFIER]


def get_enterprise_verifier() -> BaseEnterpriseVerifier:
    return register_enterprise[settings.ENTERPRISE_VERIFIER]
