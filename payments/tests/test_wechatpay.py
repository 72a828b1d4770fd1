"""WeChat Pay API v3 notifications from the sandbox: accepted once; probes, stale or tampered ones refused."""

import base64
import json
import time

import pytest

from payments.constants import OrderStatus
from payments.contrib.sandbox import wechatpay as sandbox
from payments.contrib.wechatpay.plugin import notification_message
from payments.models import GatewayTransaction, OrderTransition

from .helpers import passport_order

pytestmark = pytest.mark.django_db

URL = "/payments/notify/wechatpay/"


@pytest.fixture
def order():
    return passport_order(gateway="wechatpay")


def _post(client, body: bytes, headers: dict):
    return client.post(URL, body, content_type="application/json", headers=headers)


def _notification(order, **kwargs):
    return sandbox.transaction_notification(
        out_trade_no=order.out_trade_no, transaction_id="4200000000202611290000000001", total_fen=12000, **kwargs
    )


def test_a_verified_notification_pays_once_and_answers_204(client, order):
    body, headers = _notification(order)

    answers = {_post(client, body, headers).status_code for _ in range(5)}

    assert answers == {204}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1


def _assert_refused(response, order):
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not GatewayTransaction.objects.exists()


def test_a_signtest_probe_is_refused(client, order):
    body, headers = _notification(order)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    _assert_refused(_post(client, body, headers), order)


def test_a_six_minute_old_timestamp_is_refused(client, order):
    # Correctly signed, but six minutes old: a replay from outside the window.
    body, headers = _notification(order, timestamp=time.time() - 6 * 60)
    _assert_refused(_post(client, body, headers), order)


def test_tampered_ciphertext_is_refused(client, order):
    body, headers = _notification(order)
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[5] ^= 0x01
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    tampered = json.dumps(envelope, ensure_ascii=False).encode()
    # Signed again over the tampered body, so only the GCM tag can catch it.
    headers["Wechatpay-Signature"] = sandbox.sign(
        notification_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], tampered)
    )
    _assert_refused(_post(client, tampered, headers), order)


def test_a_body_changed_after_signing_is_refused(client, order):
    body, headers = _notification(order)
    _assert_refused(_post(client, body.replace(b"encrypt-resource", b"encrypt-resourcE"), headers), order)


def test_an_unknown_platform_serial_is_refused(client, order):
    body, headers = _notification(order)
    headers["Wechatpay-Serial"] = "0000000000000000000000000000000000000000"
    _assert_refused(_post(client, body, headers), order)


def test_a_wrong_amount_is_refused(client, order):
    body, headers = sandbox.transaction_notification(
        out_trade_no=order.out_trade_no, transaction_id="4200000000202611290000000002", total_fen=1
    )
    _assert_refused(_post(client, body, headers), order)
