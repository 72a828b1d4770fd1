"""WeChat Pay API v3 outgoing calls against the SANDBOX over HTTP: create (H5) → cashier → notification
→ paid → query → refund → statement; and the signatures on both sides are enforced."""

import datetime
import json
from urllib.parse import urlparse

import httpx
import pytest
from django.utils import timezone

from payments.base import GatewayError
from payments.constants import OrderStatus
from payments.contrib.sandbox import wechatpay as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.contrib.wechatpay.plugin import WechatPayGateway
from payments.models import GatewayTransaction, PaymentOrder
from payments.registry import gateways
from payments.services import refund_process, refund_request

from .helpers import passport_order, wsgi_transport

pytestmark = pytest.mark.django_db

NOTIFY_URL = "http://testserver/payments/notify/wechatpay/"


def _pay_at_the_cashier(client, order, gateway) -> SandboxTrade:
    start = gateway.start_payment(order=order, return_url="http://testserver/return/", notify_url=NOTIFY_URL)
    url = urlparse(start.redirect_url)
    cashier = client.get(f"{url.path}?{url.query}")
    assert cashier.status_code == 200
    assert "沙箱 SANDBOX" in cashier.content.decode()
    trade = SandboxTrade.objects.get(provider="wechatpay", out_trade_no=order.out_trade_no)
    answer = client.post(
        f"/sandbox/payments/wechatpay/cashier/{trade.trade_no}/",
        {"decision": "pay", "redirect_url": "http://testserver/return/"},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "http://testserver/return/"
    trade.refresh_from_db()
    return trade


def test_wechatpay_create_pay_notify_query_refund_and_statement_through_the_sandbox(client, wechatpay):
    order = passport_order(gateway="wechatpay")
    assert wechatpay.query(order=order).outcome == "pending"  # ORDER_NOT_EXIST before the cashier

    trade = _pay_at_the_cashier(client, order, wechatpay)
    assert trade.status == "SUCCESS"
    assert sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.gateway_trade_no == trade.trade_no

    queried = wechatpay.query(order=order)
    assert (queried.outcome, queried.transaction_id, queried.amount_fen) == ("paid", trade.trade_no, 12000)

    refund = refund_request(order_id=order.pk, amount_fen=2000, reason="多收工本费", approved=True)
    refund = refund_process(refund_id=refund.pk)
    assert refund.status == "succeeded"
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    trade.refresh_from_db()
    assert (trade.status, trade.refunded_fen) == ("REFUND", 2000)
    # The same out_refund_no again refunds nothing more.
    assert wechatpay.refund(order=order, refund=refund).succeeded
    trade.refresh_from_db()
    assert trade.refunded_fen == 2000

    lines = wechatpay.fetch_statement(day=timezone.localdate())
    assert {(line.transaction_id, line.kind, line.amount_fen) for line in lines} == {
        (trade.trade_no, "payment", 12000),
        (refund.refund_no, "refund", 2000),
    }


def test_the_cashier_fail_choice_pays_nothing(client, wechatpay):
    order = passport_order(gateway="wechatpay")
    start = wechatpay.start_payment(order=order, return_url="http://testserver/return/", notify_url=NOTIFY_URL)
    client.get(urlparse(start.redirect_url).path)
    trade = SandboxTrade.objects.get(provider="wechatpay", out_trade_no=order.out_trade_no)
    answer = client.post(f"/sandbox/payments/wechatpay/cashier/{trade.trade_no}/", {"decision": "fail"})
    assert answer.status_code == 200
    trade.refresh_from_db()
    assert trade.status == "NOTPAY"
    assert wechatpay.query(order=order).outcome == "pending"


def test_the_sandbox_refuses_a_request_not_signed_by_the_merchant(client):
    order = passport_order(gateway="wechatpay")
    body = json.dumps({"appid": "wx0000000000000001", "mchid": "1900000001", "out_trade_no": order.out_trade_no})
    response = client.post(
        "/sandbox/payments/wechatpay/v3/pay/transactions/h5",
        body,
        content_type="application/json",
        headers={
            "Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="x",signature="AAAA",'
            f'timestamp="{int(timezone.now().timestamp())}",serial_no="1"'
        },
    )
    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"
    assert not SandboxTrade.objects.exists()


def test_an_answer_without_a_valid_platform_signature_is_not_believed():
    order = passport_order(gateway="wechatpay")

    def forged(request: httpx.Request) -> httpx.Response:
        body = json.dumps({
            "appid": "wx0000000000000001", "mchid": "1900000001", "out_trade_no": order.out_trade_no,
            "transaction_id": "4200000000000000000000000001", "trade_state": "SUCCESS", "amount": {"total": 12000},
        }).encode()  # fmt: skip
        headers = sandbox.signed_headers(body)
        return httpx.Response(200, content=body.replace(b"12000", b"1"), headers=headers)

    gateway = WechatPayGateway("wechatpay", transport=httpx.MockTransport(forged))
    with pytest.raises(GatewayError):
        gateway.query(order=order)


def test_a_statement_file_not_matching_its_signed_hash_is_refused(wechatpay):
    inner = wsgi_transport()

    def tamper(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        if request.url.path.endswith("/v3/billdownload/file"):
            return httpx.Response(200, content=response.content + b"`extra\n")
        return response

    gateway = WechatPayGateway("wechatpay", transport=httpx.MockTransport(tamper))
    with pytest.raises(GatewayError, match="hash"):
        gateway.fetch_statement(day=datetime.date(2026, 11, 29))


def test_the_query_task_marks_a_wechatpay_order_paid_when_every_notification_is_lost(client, wechatpay):
    from payments.services import pending_orders_query

    order = passport_order(gateway="wechatpay")
    trade = _pay_at_the_cashier(client, order, wechatpay)
    PaymentOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=5))

    assert pending_orders_query() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.get(order=order).transaction_id == trade.trade_no


def test_the_sandbox_retries_on_wechatpays_schedule():
    assert len(sandbox.WECHATPAY_RETRY_SCHEDULE) == 15
    assert sum(sandbox.WECHATPAY_RETRY_SCHEDULE) == 24 * 3600 + 4 * 60
    assert sandbox.next_retry_countdown(15) is None


def test_an_unanswered_notification_is_tried_16_times_by_the_sandbox_task():
    from payments.contrib.sandbox.tasks import deliver_wechatpay_notification

    order = passport_order(gateway="wechatpay")
    trade = SandboxTrade.objects.create(
        provider="wechatpay",
        app_id="wx0000000000000001",
        out_trade_no=order.out_trade_no,
        trade_no="4200000000202611290000000099",
        subject=order.subject,
        total_fen=12000,
        status="SUCCESS",
        notify_url="http://127.0.0.1:9/payments/notify/wechatpay/",  # nobody listens: refused at once
    )
    from celery.exceptions import Retry

    # Each run as the worker would after that many retries: every one but the last asks for another.
    countdowns = []
    for retries in range(16):
        deliver_wechatpay_notification.push_request(retries=retries, is_eager=True, args=[trade.pk], kwargs={})
        try:
            assert deliver_wechatpay_notification.run(trade.pk) is False
            countdowns.append(None)
        except Retry:
            countdowns.append(sandbox.next_retry_countdown(retries))
        finally:
            deliver_wechatpay_notification.pop_request()
    assert countdowns == [*sandbox.WECHATPAY_RETRY_SCHEDULE, None]
    trade.refresh_from_db()
    assert trade.notify_attempts == 1 + len(sandbox.WECHATPAY_RETRY_SCHEDULE)
    assert trade.notified_at is None


class RecordingTransport(httpx.BaseTransport):
    """The real sandbox behind it; keeps each request body the adapter sent."""

    def __init__(self):
        self.inner = wsgi_transport()
        self.bodies: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if body:
            self.bodies.append(json.loads(body))
        return self.inner.handle_request(request)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "payer_ip"),
    [
        (0, "203.0.113.7", "198.51.100.99", "203.0.113.7"),  # no proxy: X-Forwarded-For is the client's word
        (1, "10.0.0.2", "198.51.100.99, 203.0.113.9", "203.0.113.9"),  # our one proxy appended the client
    ],
)
def test_h5_start_sends_the_payers_real_address(client, settings, proxies, remote, forwarded, payer_ip):
    settings.TRUSTED_PROXY_COUNT = proxies
    transport = RecordingTransport()
    with gateways.fresh(empty=True) as registry:
        registry.register("wechatpay", WechatPayGateway("wechatpay", transport=transport))
        order = passport_order(gateway="wechatpay")
        client.force_login(order.user)
        response = client.post(
            f"/my/orders/{order.out_trade_no}/pay/",
            {"gateway": "wechatpay"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    assert response.status_code == 302
    assert "/sandbox/payments/wechatpay/" in response["Location"]
    (created,) = transport.bodies
    assert created["out_trade_no"] == order.out_trade_no
    assert created["scene_info"]["payer_client_ip"] == payer_ip
