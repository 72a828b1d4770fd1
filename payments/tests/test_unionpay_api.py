"""UnionPay against the SANDBOX: the signed front form → cashier → back-end notification → paid →
queryTrans agrees → refund (backTransReq) → settlement file; and signatures are enforced both ways."""

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from identity.tests.factories import UserFactory
from payments.base import GatewayError
from payments.constants import OrderStatus
from payments.contrib.sandbox import unionpay as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.contrib.unionpay.plugin import UnionPayGateway
from payments.services import refund_process, refund_request

from .helpers import passport_fee_order, wsgi_transport

pytestmark = pytest.mark.django_db


def test_unionpay_chosen_on_the_order_page_pays_refunds_and_reconciles_through_the_sandbox(client, unionpay):
    user = UserFactory()
    order = passport_fee_order(user)
    client.force_login(user)

    page = client.post(reverse("payments:pay", args=[order.out_trade_no]), {"gateway": "unionpay"})
    assert page.status_code == 200
    form = page.context["start"].form
    assert form["signMethod"] == "01" and form["txnAmt"] == "12000"
    cashier = client.post(page.context["start"].redirect_url, form)
    assert cashier.status_code == 200
    assert "沙箱 SANDBOX" in cashier.content.decode()
    trade = SandboxTrade.objects.get(provider="unionpay", out_trade_no=order.out_trade_no)
    back = client.post(reverse("payments-sandbox:unionpay-decide", args=[trade.trade_no]), {"decision": "pay"})
    assert back.status_code == 302
    assert sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())

    order.refresh_from_db()
    assert (order.status, order.gateway, order.gateway_trade_no) == (OrderStatus.PAID, "unionpay", trade.trade_no)
    queried = unionpay.query(order=order)
    assert (queried.outcome, queried.transaction_id, queried.amount_fen) == ("paid", trade.trade_no, 12000)

    refund = refund_request(order_id=order.pk, amount_fen=12000, reason="申请撤回", approved=True)
    refund = refund_process(refund_id=refund.pk)
    assert refund.status == "succeeded"
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert unionpay.refund(order=order, refund=refund).succeeded  # the same orderId refunds nothing more
    trade.refresh_from_db()
    assert trade.refunded_fen == 12000

    lines = unionpay.fetch_statement(day=timezone.localdate())
    assert {(line.transaction_id, line.kind, line.amount_fen) for line in lines} == {
        (trade.trade_no, "payment", 12000),
        (refund.refund_no, "refund", 12000),
    }


def test_the_sandbox_cashier_refuses_a_form_not_signed_by_the_merchant(client, unionpay):
    order = passport_fee_order(UserFactory())
    start = unionpay.start_payment(order=order, return_url="http://testserver/r/", notify_url="http://testserver/n/")
    tampered = {**start.form, "txnAmt": "1"}
    assert client.post(start.redirect_url, tampered).status_code == 400
    assert not SandboxTrade.objects.exists()


def test_the_sandbox_refuses_a_back_request_not_signed_by_the_merchant(client):
    order = passport_fee_order(UserFactory())
    params = UnionPayGateway("unionpay").sign(
        {"merId": "777290058000001", "orderId": order.out_trade_no, "txnType": "00"}
    )
    params["orderId"] = "someone-else"
    answer = client.post("/sandbox/payments/unionpay/gateway/api/queryTrans.do", params).content.decode()
    assert "respCode=11" in answer


def test_an_answer_not_signed_by_unionpay_is_not_believed():
    order = passport_fee_order(UserFactory())

    def forged(request):
        text = sandbox.answer_text({"merId": "777290058000001", "orderId": order.out_trade_no, "respCode": "00",
                                    "origRespCode": "00", "queryId": "1", "txnAmt": "12000"})  # fmt: skip
        return httpx.Response(200, text=text.replace("txnAmt=12000", "txnAmt=1"))

    with pytest.raises(GatewayError):
        UnionPayGateway("unionpay", transport=httpx.MockTransport(forged)).query(order=order)


def test_a_never_paid_unionpay_order_queries_as_pending(unionpay):
    order = passport_fee_order(UserFactory())
    assert unionpay.query(order=order).outcome == "pending"


def test_an_unanswered_back_notification_is_tried_5_times_by_the_sandbox_task():
    from celery.exceptions import Retry

    from payments.contrib.sandbox.tasks import deliver_unionpay_notification

    order = passport_fee_order(UserFactory())
    trade = SandboxTrade.objects.create(
        provider="unionpay",
        app_id="777290058000001",
        out_trade_no=order.out_trade_no,
        trade_no="112900000000000000001",
        subject=order.subject,
        total_fen=12000,
        status="00",
        notify_url="http://127.0.0.1:9/payments/notify/unionpay/",  # nobody listens: refused at once
    )
    outcomes = []
    for retries in range(5):
        deliver_unionpay_notification.push_request(retries=retries, is_eager=True, args=[trade.pk], kwargs={})
        try:
            outcomes.append(deliver_unionpay_notification.run(trade.pk))
        except Retry:
            outcomes.append("retry")
        finally:
            deliver_unionpay_notification.pop_request()
    assert outcomes == ["retry"] * 4 + [False]
    trade.refresh_from_db()
    assert (trade.notify_attempts, trade.notified_at) == (5, None)
