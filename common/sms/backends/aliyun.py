"""Alibaba Cloud SMS (Dysmsapi) ``SendSms``, RPC-style API version 2017-05-25.

Request signing follows Alibaba Cloud's documented RPC signature (v1):

1. Take every request parameter except ``Signature``, percent-encode keys and
   values (RFC 3986: ``A-Z a-z 0-9 - _ . ~`` unescaped, space as ``%20``), sort
   by key and join as ``k=v&...``.
2. ``StringToSign = "GET&" + encode("/") + "&" + encode(canonical_query)``.
3. ``Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.

A success answer is JSON with ``"Code": "OK"``; any other code is an error.

Each message carries our provider-side id as ``OutId``. :meth:`query` looks an
attempt up with ``QuerySendDetails`` (``PhoneNumber``, ``SendDate`` yyyyMMdd),
matching ``OutId`` in ``SmsSendDetailDTOs.SmsSendDetailDTO``; ``SendStatus`` 1
(waiting for receipt) and 3 (delivered) mean the provider has it, 2 (failed)
that sending again is safe.
The HTTP client is injectable so tests run it against a fake transport.
"""

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

import httpx
from django.conf import settings

from .. import SMS_ACCEPTED, SMS_NOT_FOUND, SmsError
from .base import BaseSmsBackend

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def sign(parameters: dict[str, str], access_key_secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(parameters.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(BaseSmsBackend):
    """Sends registered templates through Alibaba Cloud SMS.

    Configured by ``settings.SMS_ALIYUN`` (access key, sign name, endpoint and
    the provider template code for each of our template names).
    """

    def __init__(self, *, client: httpx.Client | None = None, config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.config = config or settings.SMS_ALIYUN
        # An injected client (tests, shared pools) belongs to the caller; otherwise
        # each batch opens and closes its own.
        self.client = client

    def _common(self, action: str) -> dict[str, str]:
        return {
            "AccessKeyId": self.config["ACCESS_KEY_ID"],
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }

    def query(self, message, *, sent_at) -> str | None:
        if not message.out_id:
            return None
        parameters = {
            **self._common("QuerySendDetails"),
            "PhoneNumber": message.mobile,
            "SendDate": (sent_at or datetime.datetime.now(datetime.UTC))
            .astimezone(datetime.timezone(datetime.timedelta(hours=8)))
            .strftime("%Y%m%d"),
            "PageSize": "50",
            "CurrentPage": "1",
        }
        parameters["Signature"] = sign(parameters, self.config["ACCESS_KEY_SECRET"])
        try:
            if self.client is not None:
                body = self.client.get(self.config["ENDPOINT"], params=parameters).json()
            else:
                with httpx.Client(timeout=5.0) as client:
                    body = client.get(self.config["ENDPOINT"], params=parameters).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SmsError(f"Aliyun QuerySendDetails unreachable: {exc.__class__.__name__}") from exc
        if body.get("Code") != "OK":
            raise SmsError(f"Aliyun QuerySendDetails refused: {body.get('Code')}")
        details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        for detail in details:
            if detail.get("OutId") == message.out_id and int(detail.get("SendStatus", 0)) in (1, 3):
                return SMS_ACCEPTED
        return SMS_NOT_FOUND

    def _parameters(self, message) -> dict[str, str]:
        template_code = self.config["TEMPLATES"].get(message.template)
        if not template_code:
            raise SmsError(f"No Aliyun template code configured for {message.template!r}")
        parameters = {
            "AccessKeyId": self.config["ACCESS_KEY_ID"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.mobile,
            "RegionId": "cn-hangzhou",
            "SignName": self.config["SIGN_NAME"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps({k: str(v) for k, v in message.params.items()}, ensure_ascii=False),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if message.out_id:
            parameters["OutId"] = message.out_id
        return parameters

    def send_messages(self, messages) -> int:
        if self.client is not None:
            return self._send_all(messages, client=self.client)
        with httpx.Client(timeout=5.0) as client:
            return self._send_all(messages, client=client)

    def _send_all(self, messages, *, client: httpx.Client) -> int:
        sent = 0
        for message in messages:
            parameters = self._parameters(message)
            parameters["Signature"] = sign(parameters, self.config["ACCESS_KEY_SECRET"])
            try:
                response = client.get(self.config["ENDPOINT"], params=parameters)
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise SmsError(
                    f"Aliyun SMS unreachable or answered garbage: {exc.__class__.__name__}", outcome_unknown=True
                ) from exc
            if body.get("Code") != "OK":
                raise SmsError(f"Aliyun SMS refused: {body.get('Code')} {body.get('Message', '')}")
            sent += 1
        return sent
