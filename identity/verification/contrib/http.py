"""Adapter for an authoritative identity verification gateway over HTTPS.

Protocol (the "two-element check" offered by provincial government data
gateways in front of the national population registry):

Request::

    POST {BASE_URL}/v1/identity/verify
    Content-Type: application/json
    X-App-Id: {APP_ID}
    X-Timestamp: {unix seconds}
    X-Nonce: {random hex}
    X-Signature: base64(HMAC-SHA256(SECRET, "{timestamp}\\n{nonce}\\n{sha256_hex(body)}"))

    {"requestId": "<uuid>", "name": "张三", "idNumber": "11010519491231002X"}

Response (HTTP 200)::

    {"requestId": "<same uuid>", "result": "MATCH" | "MISMATCH" | "NO_RECORD",
     "reference": "<gateway transaction id>"}

Any other status, a missing or different ``requestId``, or an unknown
``result`` is treated as "could not verify". The local sandbox gateway at
``/sandbox/identity-gateway/v1/identity/verify`` speaks the same protocol.

Enterprise verification (企业登记核验: the market regulator's registry behind
the same kind of gateway), signed exactly as above with the
``ENTERPRISE_VERIFIER_HTTP`` app id and secret:

Request::

    POST {BASE_URL}/v1/enterprise/verify

    {"requestId": "<uuid>", "uscc": "91350100M000100Y43", "name": "通办演示餐饮管理有限公司",
     "legalRepresentative": {"name": "张三", "idNumber": "440106199001011235"}}

Response (HTTP 200)::

    {"requestId": "<same uuid>",
     "result": "MATCH" | "NO_RECORD" | "NAME_MISMATCH" | "NOT_REPRESENTATIVE",
     "reference": "<gateway transaction id>"}

``MATCH`` means the USCC exists, under exactly this name, and the person is
its current legal representative; ``NO_RECORD`` no such USCC; ``NAME_MISMATCH``
the USCC is registered under another name; ``NOT_REPRESENTATIVE`` the person
is not its legal representative. The gateway never returns the registered name
or representative, so a failed check leaks nothing. Anything else is "could not
verify", as above. The local SANDBOX gateway at
``/sandbox/enterprise-gateway/v1/enterprise/verify`` speaks this protocol.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..base import (
    BaseEnterpriseVerifier,
    BaseVerifier,
    EnterpriseOutcome,
    EnterpriseVerificationResult,
    VerificationResult,
)
from ..registry import register, register_enterprise

MAX_CLOCK_SKEW_SECONDS = 300


def signature(secret: str, *, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signed_headers(*, app_id: str, secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        "Content-Type": "application/json",
        "X-App-Id": app_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(secret, timestamp=timestamp, nonce=nonce, body=body),
    }


def signature_is_valid(secret: str, *, headers, body: bytes) -> bool:
    """Check a request's signature and freshness (used by the sandbox gateway)."""
    timestamp = headers.get("X-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    expected = signature(secret, timestamp=timestamp, nonce=headers.get("X-Nonce", ""), body=body)
    return hmac.compare_digest(expected, headers.get("X-Signature", ""))


class SettingsHttpClient:
    """An adapter that POSTs to an outside service, configured by one settings dict.

    Subclasses name that dict (``setting``); it holds at least ``TIMEOUT`` (seconds).
    Tests pass ``client`` (an ``httpx.Client`` on a mock transport) and ``config``.
    Used by the gateway verifiers below and the Tencent face check adapter
    (:mod:`identity.facecheck.contrib.tencent`).
    """

    setting: str

    def __init__(self, identifier: str, *, client: httpx.Client | None = None, config: dict | None = None):
        super().__init__(identifier)
        self._client = client
        self._config = config

    @property
    def config(self) -> dict:
        return self._config or getattr(settings, self.setting)

    def _post(self, url: str, *, body: bytes, headers: dict) -> httpx.Response:
        if self._client is not None:
            return self._client.post(url, content=body, headers=headers)
        with httpx.Client(timeout=self.config["TIMEOUT"]) as client:
            return client.post(url, content=body, headers=headers)


class SignedGatewayClient(SettingsHttpClient):
    """The signed JSON request both gateway adapters make: one POST, one answer.

    Subclasses name the settings dict that configures them (``setting``) and
    the path they post to (``path``).
    """

    path: str

    def ask(self, payload: dict) -> dict | None:
        """Post ``payload`` with a fresh ``requestId``; the gateway's answer to
        that very request, or ``None`` for anything else (an error, never a match)."""
        request_id = str(uuid.uuid4())
        body = json.dumps({"requestId": request_id, **payload}, ensure_ascii=False).encode()
        headers = signed_headers(app_id=self.config["APP_ID"], secret=self.config["SECRET"], body=body)
        url = self.config["BASE_URL"].rstrip("/") + self.path
        try:
            response = self._post(url, body=body, headers=headers)
            answer = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return None
        if not isinstance(answer, dict) or answer.get("requestId") != request_id:
            return None
        return answer


@register("http")
class HttpGatewayVerifier(SignedGatewayClient, BaseVerifier):
    """Asks an authoritative gateway over HTTPS (configured by ``IDENTITY_VERIFIER_HTTP``)."""

    verbose_name = _("身份核验网关")
    setting = "IDENTITY_VERIFIER_HTTP"
    path = "/v1/identity/verify"

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        answer = self.ask({"name": name, "idNumber": id_number})
        if answer is None or answer.get("result") not in {"MATCH", "MISMATCH", "NO_RECORD"}:
            return VerificationResult(matched=False, error=True)
        return VerificationResult(matched=answer["result"] == "MATCH", reference=str(answer.get("reference", ""))[:100])


@register_enterprise("http")
class HttpGatewayEnterpriseVerifier(SignedGatewayClient, BaseEnterpriseVerifier):
    """Asks an authoritative enterprise registry gateway over HTTPS (configured by ``ENTERPRISE_VERIFIER_HTTP``)."""

    verbose_name = _("企业登记核验网关")
    setting = "ENTERPRISE_VERIFIER_HTTP"
    path = "/v1/enterprise/verify"

    def verify(
        self, *, uscc: str, name: str, representative_name: str, representative_id_number: str
    ) -> EnterpriseVerificationResult:
        answer = self.ask(
            {
                "uscc": uscc,
                "name": name,
                "legalRepresentative": {"name": representative_name, "idNumber": representative_id_number},
            }
        )
        if answer is None or answer.get("result") not in EnterpriseOutcome.ALL:
            return EnterpriseVerificationResult(error=True)
        return EnterpriseVerificationResult(outcome=answer["result"], reference=str(answer.get("reference", ""))[:100])
