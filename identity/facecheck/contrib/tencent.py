"""Adapter for Tencent Cloud FaceId 人脸核身 (慧眼, the H5 "DetectAuth" flow).

Documented at https://cloud.tencent.com/document/product/1007 (API 3.0, version
``2018-03-01``, endpoint ``faceid.tencentcloudapi.com``). The flow:

1. ``DetectAuth`` with the business flow's ``RuleId``, the user's ``IdCard`` and
   ``Name`` (the registry photo of that number is what the face is compared with),
   ``RedirectUrl`` (our ``facecheck:return`` page) and ``Extra`` (our check's id,
   echoed back in the result). It answers ``BizToken`` (the session id) and ``Url``,
   where the browser goes for the camera step.
2. When the user is done, Tencent sends the browser to ``RedirectUrl`` with
   ``token=<BizToken>`` appended. That tells us only *which* session ended: the
   result is fetched server to server, never read from the browser.
3. ``GetDetectInfoEnhanced`` with ``BizToken``, ``RuleId`` and ``InfoType: "1"``
   (text only: we never ask for the best frame, the ID card images or the video)
   answers ``Text`` with ``ErrCode`` (0: passed; null while unfinished),
   ``LiveStatus`` (0: liveness passed), ``Comparestatus`` (0: same person),
   ``Sim`` (similarity 0–100; Tencent recommends >= 70) and ``Extra``. Any image
   that comes anyway (``BestFrame``, ``IdCardData``, ``VideoData``) is dropped by
   :func:`identity.facecheck.base.strip_images` before the answer is read.

Every request is a JSON POST signed with TC3-HMAC-SHA256 (the API 3.0 "签名方法 v3"):
see :func:`tc3_authorization`. The ID number and name are sent to Tencent and
nowhere else: neither the request nor the answer is logged.
"""

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import httpx
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ...constants import FaceCheckDecision
from ...models import FaceCheck
from ...verification.contrib.http import SettingsHttpClient
from ..base import (
    BaseFaceCheckProvider,
    FaceCheckCallbackError,
    FaceCheckError,
    FaceCheckOutcome,
    StartResult,
    strip_images,
)
from ..registry import register

TC3_ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
API_VERSION = "2018-03-01"
# BizTokens are UUIDs; anything else on our return page is refused before Tencent is asked.
BIZ_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9-]{8,128}$")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    payload: bytes,
    headers: dict[str, str],
    method: str = "POST",
    canonical_uri: str = "/",
    canonical_query: str = "",
) -> str:
    """The ``Authorization`` header of a TencentCloud API 3.0 request (TC3-HMAC-SHA256).

    ``headers`` are the signed headers (at least ``content-type`` and ``host``), as sent.

    1. CanonicalRequest = method, URI, query, ``name:value\\n`` per signed header (lowercase
       names, sorted), the signed header names joined by ``;``, and hex SHA-256 of the payload,
       joined by ``\\n``;
    2. StringToSign = ``TC3-HMAC-SHA256``, the timestamp, the scope ``<UTC date>/<service>/tc3_request``
       and hex SHA-256 of the CanonicalRequest, joined by ``\\n``;
    3. the key is derived ``HMAC("TC3" + SecretKey, date)`` → ``HMAC(·, service)`` → ``HMAC(·, "tc3_request")``
       and the signature is hex ``HMAC(key, StringToSign)``.
    """
    # Names and values lowercased and trimmed (the documented rule), sorted by name.
    canonical = {name.lower().strip(): str(value).strip().lower() for name, value in headers.items()}
    signed_names = sorted(canonical)
    canonical_headers = "".join(f"{name}:{canonical[name]}\n" for name in signed_names)
    signed_headers = ";".join(signed_names)
    canonical_request = "\n".join(
        [
            method,
            canonical_uri,
            canonical_query,
            canonical_headers,
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [TC3_ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    signing_key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{TC3_ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


@register("tencent")
class TencentFaceIdProvider(SettingsHttpClient, BaseFaceCheckProvider):
    """Tencent Cloud FaceId (configured by ``FACE_CHECK_TENCENT``; the transport is the
    gateway verifiers' :class:`~identity.verification.contrib.http.SettingsHttpClient`)."""

    label = _("腾讯云人脸核身")
    callback_is_browser_return = True
    setting = "FACE_CHECK_TENCENT"

    # --- Transport ----------------------------------------------------------------------

    def call(self, action: str, params: dict) -> dict:
        """One signed API call; the ``Response`` object of a successful answer, images dropped.

        :raises FaceCheckError: not configured, unreachable, not JSON, or an API ``Error``.
        """
        config = self.config
        if not (config.get("SECRET_ID") and config.get("SECRET_KEY") and config.get("RULE_ID")):
            raise FaceCheckError("FACE_CHECK_TENCENT is not configured (SECRET_ID, SECRET_KEY, RULE_ID).")
        endpoint = config["ENDPOINT"].rstrip("/")
        host = urlsplit(endpoint).netloc
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        signed = {"Content-Type": CONTENT_TYPE, "Host": host, "X-TC-Action": action}
        headers = {
            **signed,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": config["REGION"],
            "Authorization": tc3_authorization(
                secret_id=config["SECRET_ID"],
                secret_key=config["SECRET_KEY"],
                service=host.split(".")[0],
                timestamp=timestamp,
                payload=body,
                headers=signed,
            ),
        }
        try:
            response = self._post(endpoint + "/", body=body, headers=headers)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise FaceCheckError(f"Tencent FaceId {action}: no usable answer.") from exc
        answer = strip_images(answer.get("Response") if isinstance(answer, dict) else None)
        if not isinstance(answer, dict):
            raise FaceCheckError(f"Tencent FaceId {action}: malformed answer.")
        if answer.get("Error"):
            error = answer["Error"]
            code = error.get("Code", "") if isinstance(error, dict) else ""
            raise FaceCheckError(f"Tencent FaceId {action}: {code}")
        return answer

    # --- The contract -----------------------------------------------------------------------

    def start(self, *, check, return_url: str, callback_url: str) -> StartResult:
        user = check.user
        answer = self.call(
            "DetectAuth",
            {
                "RuleId": self.config["RULE_ID"],
                "IdCard": user.id_number,
                "Name": user.real_name,
                "RedirectUrl": callback_url,
                "Extra": str(check.pk),
            },
        )
        token, url = answer.get("BizToken"), answer.get("Url")
        if not isinstance(token, str) or not BIZ_TOKEN_PATTERN.match(token) or not isinstance(url, str):
            raise FaceCheckError("Tencent FaceId DetectAuth: no BizToken or Url.")
        if not url.startswith("https://"):
            raise FaceCheckError("Tencent FaceId DetectAuth: the Url is not https.")
        return StartResult(provider_session_id=token, redirect_url=url)

    def _result(self, biz_token: str) -> tuple[dict, FaceCheckOutcome | None]:
        """The result text of a session and its outcome (None while unfinished)."""
        answer = self.call(
            "GetDetectInfoEnhanced", {"BizToken": biz_token, "RuleId": self.config["RULE_ID"], "InfoType": "1"}
        )
        text = answer.get("Text")
        if not isinstance(text, dict):
            raise FaceCheckError("Tencent FaceId GetDetectInfoEnhanced: no Text.")
        return text, outcome_from_text(biz_token, text)

    def parse_callback(self, request: HttpRequest) -> FaceCheckOutcome:
        """The browser came back with ``token``: look the session up at Tencent (server to
        server) and check it is the one we opened for this check (``Extra``)."""
        token = request.POST.get("token") or request.GET.get("token") or ""
        if not BIZ_TOKEN_PATTERN.match(token):
            raise FaceCheckCallbackError("No or malformed token.")
        check_id = self._check_id(token)
        if check_id is None:
            raise FaceCheckCallbackError("Unknown session.", status=404)
        try:
            text, outcome = self._result(token)
        except FaceCheckError as exc:
            raise FaceCheckCallbackError(str(exc), status=502) from None
        if text.get("Extra") != check_id:
            raise FaceCheckCallbackError("The session's Extra does not name this check.", status=401)
        if outcome is None:
            raise FaceCheckCallbackError("The session has not ended.", status=409)
        return outcome

    def query(self, provider_session_id: str) -> FaceCheckOutcome | None:
        check_id = self._check_id(provider_session_id)
        if check_id is None:
            return None
        text, outcome = self._result(provider_session_id)
        return outcome if text.get("Extra") == check_id else None

    def _check_id(self, biz_token: str) -> str | None:
        """The id of our check that opened ``biz_token``, as ``Extra`` must echo it; None if none did."""
        pk = (
            FaceCheck.objects.filter(provider=self.name, provider_session_id=biz_token)
            .values_list("pk", flat=True)
            .first()
        )
        return None if pk is None else str(pk)


def _score(value) -> Decimal | None:
    """``Sim`` as a number; None when missing or not a number. Its range (0-100) is held by
    :func:`identity.services.facecheck.face_check_finish`, for every provider."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def outcome_from_text(biz_token: str, text: dict) -> FaceCheckOutcome | None:
    """Our outcome from ``GetDetectInfoEnhanced``'s ``Text``; None while the session is unfinished.

    Passed only with ``ErrCode`` 0, ``LiveStatus`` 0 and ``Comparestatus`` 0 (the score is then
    held against ``FACE_CHECK_MIN_SCORE`` by the service). A failed liveness is a spoof; a failed
    comparison a mismatch; anything else an error."""
    error_code = text.get("ErrCode")
    if error_code is None:
        return None
    live_status, compare_status = text.get("LiveStatus"), text.get("Comparestatus")
    liveness_passed = live_status == 0
    score = _score(text.get("Sim"))
    if error_code == 0 and liveness_passed and compare_status == 0:
        decision = FaceCheckDecision.PASS
    elif live_status not in (None, 0):
        decision = FaceCheckDecision.LIVENESS_FAILED
    elif liveness_passed and compare_status not in (None, 0):
        decision = FaceCheckDecision.NO_MATCH
    else:
        decision = FaceCheckDecision.ERROR
    return FaceCheckOutcome(
        provider_session_id=biz_token, liveness_passed=liveness_passed, match_score=score, decision=decision
    )
