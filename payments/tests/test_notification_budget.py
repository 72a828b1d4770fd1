"""The notification handler's query budget, per gateway, through the real endpoint: signature
verification plus the locked update in at most 4 queries; a replay in at most 1. Counted like
``test_notifications.py::test_a_notification_costs_at_most_four_queries``: SQL statements, not the
BEGIN/COMMIT that psycopg issues for the one short transaction."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from payments.constants import OrderStatus
from payments.contrib.sandbox import services as alipay_sandbox
from payments.contrib.sandbox import unionpay as unionpay_sandbox
from payments.contrib.sandbox import wechatpay as wechatpay_sandbox
from payments.models import GatewayTransaction, OrderTransition
from payments.views import gateway_notify

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order, sql_statements

# Real commits: the order lock is a real transaction, not a savepoint in the test's.
pytestmark = pytest.mark.django_db(transaction=True)


def _alipay_request(order):
    return RequestFactory().post(NOTIFY_URL, alipay_sandbox.notification_params(paid_sandbox_trade(order)))


def _wechatpay_request(order):
    body, headers = wechatpay_sandbox.transaction_notification(
        out_trade_no=order.out_trade_no, transaction_id="4200000000202611290000000009", total_fen=order.amount_fen
    )
    return RequestFactory().post("/payments/notify/wechatpay/", body, content_type="application/json", headers=headers)


def _unionpay_request(order):
    params = unionpay_sandbox.payment_notification(
        order_id=order.out_trade_no, query_id="772911290000000009", amount_fen=order.amount_fen
    )
    return RequestFactory().post("/payments/notify/unionpay/", params)


@pytest.mark.parametrize(
    ("gateway", "make_request", "accepted"),
    [
        ("alipay", _alipay_request, 200),
        ("wechatpay", _wechatpay_request, 204),
        ("unionpay", _unionpay_request, 200),
    ],
)
def test_a_notification_costs_at_most_four_queries_and_a_replay_one(gateway, make_request, accepted):
    order = passport_order(gateway=gateway)
    request = make_request(order)

    with CaptureQueriesContext(connection) as first:
        response = gateway_notify(request, gateway)
    with CaptureQueriesContext(connection) as again:
        replay = gateway_notify(request, gateway)  # the same delivery again

    assert (response.status_code, replay.status_code) == (accepted, accepted)
    # Lock the order, insert the transaction, update the order, insert the transition.
    assert len(sql_statements(first)) <= 4, sql_statements(first)
    assert len(sql_statements(again)) <= 1, sql_statements(again)
    # The transaction around them is one, not one per step.
    assert [q["sql"] for q in first.captured_queries].count("BEGIN") <= 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
