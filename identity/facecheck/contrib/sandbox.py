"""SANDBOX face check provider (沙箱实人认证): no camera, no real check.

``start`` sends the browser to a page on this site (``facecheck:sandbox``) that
plays a pretend camera step and lets the tester choose the result: pass, no
match, or a spoof (假体攻击). The page then delivers the result to our callback
view in the sandbox's own signed protocol, as a real provider would:

Callback::

    POST {callback_url}
    Content-Type: application/json
    X-Sandbox-Signature: hex(HMAC-SHA256(FACE_CHECK_SANDBOX_SECRET, body))

    {"sessionId": "sbx-…", "result": "PASS" | "NO_MATCH" | "SPOOF" | "CANCEL",
     "liveness": true, "score": "95.00", "timestamp": 1796000000,
     "bestFrame": "<base64 JPEG>"}

``timestamp`` (unix seconds) must be within five minutes of ours. ``bestFrame``
imitates the picture real providers send back: it is dropped before anything
is read, kept or logged. Answer: ``{"code": "SUCCESS"}``.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ...constants import FaceCheckDecision
from ..base import BaseFaceCheckProvider, FaceCheckCallbackError, FaceCheckOutcome, StartResult, strip_images
from ..registry import register

SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_CLOCK_SKEW_SECONDS = 300


class SandboxResult:
    """The tester's choices on the sandbox page, and what each means."""

    PASS = "PASS"  # noqa: S105 - a result name, not a password
    NO_MATCH = "NO_MATCH"
    SPOOF = "SPOOF"
    CANCEL = "CANCEL"
    # result → (liveness passed, score, our decision)
    MEANING: ClassVar[dict[str, tuple[bool, Decimal | None, str]]] = {
        PASS: (True, Decimal("95.00"), FaceCheckDecision.PASS),
        NO_MATCH: (True, Decimal("41.50"), FaceCheckDecision.NO_MATCH),
        SPOOF: (False, None, FaceCheckDecision.LIVENESS_FAILED),
        CANCEL: (False, None, FaceCheckDecision.CANCELLED),
    }


# A tiny JPEG header and filler, standing in for the "best frame" picture a real provider returns.
FAKE_BEST_FRAME = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 600 + b"\xff\xd9").decode()


def sandbox_signature(body: bytes, *, secret: str | None = None) -> str:
    secret = secret if secret is not None else settings.FACE_CHECK_SANDBOX_SECRET
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sandbox_callback(*, session_id: str, result: str, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers the sandbox posts to our callback for ``result`` (one of :class:`SandboxResult`)."""
    liveness, score, _decision = SandboxResult.MEANING[result]
    body = json.dumps(
        {
            "sessionId": session_id,
            "result": result,
            "liveness": liveness,
            "score": None if score is None else str(score),
            "timestamp": int(time.time()) if timestamp is None else timestamp,
            "bestFrame": FAKE_BEST_FRAME,
        }
    ).encode()
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sandbox_signature(body)}


@register("sandbox")
class SandboxFaceCheckProvider(BaseFaceCheckProvider):
    """The sandbox page on this site decides: nobody's face is checked (沙箱)."""

    label = _("沙箱实人认证（模拟，非真实核验）")
    is_sandbox = True

    def start(self, *, check, return_url: str, callback_url: str) -> StartResult:
        session_id = f"sbx-{secrets.token_urlsafe(18)}"
        return StartResult(
            provider_session_id=session_id,
            redirect_url=reverse("facecheck:sandbox", kwargs={"session_id": session_id}),
        )

    def parse_callback(self, request: HttpRequest) -> FaceCheckOutcome:
        if request.method != "POST":
            raise FaceCheckCallbackError("The sandbox posts its callbacks.", status=405)
        return self.read_callback(request.body, signature=request.headers.get(SIGNATURE_HEADER, ""))

    def read_callback(self, body: bytes, *, signature: str) -> FaceCheckOutcome:
        """The outcome in a callback's ``body``, once its ``signature`` and freshness are checked
        (the sandbox page hands its own callback straight to this, as if it had been posted)."""
        if not signature or not hmac.compare_digest(sandbox_signature(body), signature):
            raise FaceCheckCallbackError("Bad sandbox signature.", status=401)
        try:
            payload = strip_images(json.loads(body))
            session_id, result, timestamp = payload["sessionId"], payload["result"], payload["timestamp"]
        except (ValueError, KeyError, TypeError):
            raise FaceCheckCallbackError("Malformed sandbox callback.") from None
        if not isinstance(session_id, str) or result not in SandboxResult.MEANING or not isinstance(timestamp, int):
            raise FaceCheckCallbackError("Malformed sandbox callback.")
        if abs(time.time() - timestamp) > MAX_CLOCK_SKEW_SECONDS:
            raise FaceCheckCallbackError("Stale sandbox callback.", status=401)
        liveness, score, decision = SandboxResult.MEANING[result]
        return FaceCheckOutcome(
            provider_session_id=session_id, liveness_passed=liveness, match_score=score, decision=decision
        )
