"""Aliyun's OutId and QuerySendDetails, against a fake transport speaking the documented protocol."""

import datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from common.sms import SMS_ACCEPTED, SMS_NOT_FOUND, SmsError, SmsMessage
from common.sms.backends.aliyun import AliyunSmsBackend, sign

CONFIG = {
    "ACCESS_KEY_ID": "testid",
    "ACCESS_KEY_SECRET": "testsecret",
    "SIGN_NAME": "通办",
    "ENDPOINT": "https://dysmsapi.example/",
    "TEMPLATES": {"verification_code": "SMS_000001"},
}
MESSAGE = SmsMessage(mobile="13912345678", template="verification_code", params={"code": "1"}, out_id="abc-1")


class FakeAliyun:
    """Remembers SendSms calls by OutId and answers QuerySendDetails from them."""

    def __init__(self):
        self.sent: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = {key: values[0] for key, values in parse_qs(urlparse(str(request.url)).query).items()}
        signature = query.pop("Signature")
        assert signature == sign(query, "testsecret")
        if query["Action"] == "SendSms":
            self.sent.append(query)
            return httpx.Response(200, json={"Code": "OK", "BizId": f"{len(self.sent)}^0"})
        assert query["Action"] == "QuerySendDetails"
        assert query["SendDate"] == "20261129"
        details = [
            {"OutId": sent.get("OutId"), "PhoneNum": sent["PhoneNumbers"], "SendStatus": 3}
            for sent in self.sent
            if sent["PhoneNumbers"] == query["PhoneNumber"]
        ]
        return httpx.Response(
            200, json={"Code": "OK", "TotalCount": len(details), "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}
        )


def test_aliyun_sends_the_out_id_and_finds_it_again_with_query_send_details():
    fake = FakeAliyun()
    backend = AliyunSmsBackend(client=httpx.Client(transport=httpx.MockTransport(fake)), config=CONFIG)
    sent_at = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=datetime.UTC)

    assert backend.query(MESSAGE, sent_at=sent_at) == SMS_NOT_FOUND
    backend.send_messages([MESSAGE])

    assert fake.sent[0]["OutId"] == "abc-1"
    assert backend.query(MESSAGE, sent_at=sent_at) == SMS_ACCEPTED
    other = SmsMessage(mobile=MESSAGE.mobile, template=MESSAGE.template, out_id="abc-2")
    assert backend.query(other, sent_at=sent_at) == SMS_NOT_FOUND


def test_aliyun_query_errors_are_sms_errors_so_the_outcome_stays_unknown():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"Code": "isv.SMS_SIGNATURE_ILLEGAL"}))
    backend = AliyunSmsBackend(client=httpx.Client(transport=transport), config=CONFIG)
    with pytest.raises(SmsError):
        backend.query(MESSAGE, sent_at=None)
