"""Alipay notifications, from the sandbox in the real signed format: replay, tamper, overpay."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxMessage
from payments.constants import OrderStatus
from payments.contrib.alipay.plugin import AlipayGateway
from payments.contrib.sandbox import services as sandbox
from payments.models import GatewayTransaction, OrderTransition, Receipt, Refund
from payments.registry import gateways
from payments.services import notification_handle, order_events_relay

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order, sql_statements

pytestmark = pytest.mark.django_db


def _post(client, params):
    return client.post(NOTIFY_URL, params)


def _paid_transitions(order):
    return OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count()


def test_notification_marks_the_order_paid_and_answers_exactly_success(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)

    response = _post(client, sandbox.notification_params(trade))

    assert response.status_code == 200
    assert response.content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.gateway_trade_no == trade.trade_no


def test_replayed_notification_changes_nothing(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)

    answers = {_post(client, sandbox.notification_params(trade)).content for _ in range(15)}
    order_events_relay()
    order_events_relay()

    assert answers == {b"success"}
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert _paid_transitions(order) == 1
    assert Receipt.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(user=order.user, template="payments.paid", channel="inbox").count() == 1


def _tampered(params: dict, **changes) -> dict:
    return {**params, **changes}


def _resigned(params: dict, **changes) -> dict:
    """Changed and signed again with the sandbox's key: a genuine-looking notification."""
    changed = {key: value for key, value in {**params, **changes}.items() if key not in ("sign", "sign_type")}
    return sandbox.alipay_signed(changed)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: _tampered(p, total_amount="0.01"), id="tampered-amount"),
        pytest.param(lambda p: _resigned(p, total_amount="1.20"), id="signed-wrong-amount"),
        pytest.param(lambda p: _resigned(p, app_id="2021009999999999"), id="foreign-app-id"),
        pytest.param(lambda p: _resigned(p, seller_id="2088009999999999"), id="foreign-seller-id"),
        pytest.param(lambda p: _tampered(p, sign=p["sign"][:-8] + "AAAAAAA="), id="bad-signature"),
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "sign"}, id="unsigned"),
        pytest.param(lambda p: _resigned(p, out_trade_no="TB000000000000000000"), id="unknown-order"),
    ],
)
def test_refused_notification_changes_nothing_and_answers_fail(client, make, caplog):
    order = passport_order()
    trade = paid_sandbox_trade(order)

    response = _post(client, make(sandbox.notification_params(trade)))

    assert response.content == b"fail"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not GatewayTransaction.objects.exists()
    assert "refused" in caplog.text


def test_only_trade_success_or_finished_counts_as_paid(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)
    trade.status = "WAIT_BUYER_PAY"

    response = _post(client, sandbox.notification_params(trade))

    assert response.content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_second_payment_for_a_paid_order_is_a_flagged_overpayment_queued_for_refund(client):
    order = passport_order()
    first = paid_sandbox_trade(order, trade_no="20261129220010000000001")
    second = paid_sandbox_trade(order, trade_no="20261129220010000000002")

    _post(client, sandbox.notification_params(first))
    for _ in range(3):
        assert _post(client, sandbox.notification_params(second)).content == b"success"

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.gateway_trade_no == first.trade_no
    overpayment = GatewayTransaction.objects.get(transaction_id=second.trade_no)
    assert overpayment.is_overpayment
    refund = Refund.objects.get(overpayment=overpayment)
    assert refund.amount_fen == 12000
    assert _paid_transitions(order) == 1


def test_late_close_never_moves_a_paid_order_back(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)
    paid = sandbox.notification_params(trade)
    trade.status = "TRADE_CLOSED"
    closed = _resigned(paid, trade_status="TRADE_CLOSED")

    _post(client, paid)
    assert _post(client, closed).content == b"success"

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_a_notification_costs_at_most_four_queries(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)
    params = sandbox.notification_params(trade)
    request = RequestFactory().post(NOTIFY_URL, params)
    gateway: AlipayGateway = gateways["alipay"]
    with CaptureQueriesContext(connection) as queries:
        notification_handle(gateway="alipay", notification=gateway.parse_notification(request=request))
    with CaptureQueriesContext(connection) as replay:
        notification_handle(gateway="alipay", notification=gateway.parse_notification(request=request))

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(sql_statements(queries)) <= 4, sql_statements(queries)
    assert len(sql_statements(replay)) == 1
