"""Remote face check providers (实人认证), as registry plugins.

Shipped:

* ``sandbox`` — a page on this site that plays the camera step and lets the tester
  choose pass, fail or spoof (沙箱: no real check); it calls back in its own signed
  protocol (:mod:`identity.facecheck.contrib.sandbox`).
* ``tencent`` — Tencent Cloud FaceId 实名核身 (DetectAuth / GetDetectInfoEnhanced, TC3-HMAC-SHA256),
  :mod:`identity.facecheck.contrib.tencent`.

``settings.FACE_CHECK_PROVIDER`` selects the one in use. The contract is
:class:`identity.facecheck.base.BaseFaceCheckProvider`; the services are in
:mod:`identity.services.facecheck`.
"""

from django.conf import settings

from .base import (
    BaseFaceCheckProvider,
    FaceCheckCallbackError,
    FaceCheckError,
    FaceCheckOutcome,
    StartResult,
    strip_images,
)
from .registry import register

__all__ = [
    "BaseFaceCheckProvider",
    "FaceCheckCallbackError",
    "FaceCheckError",
    "FaceCheckOutcome",
    "StartResult",
    "get_face_check_provider",
    "register",
    "strip_images",
]


def get_face_check_provider(name: str | None = None) -> BaseFaceCheckProvider:
    """The provider registered as ``name``, or the configured one (``FACE_CHECK_PROVIDER``)."""
    return register[name or settings.FACE_CHECK_PROVIDER]
