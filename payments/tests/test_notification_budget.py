"""The notification handler's query budget, per gateway, through the real endpoint: signature
verification plus the locked update in at most 4 queries; a replay in at most 1."""

import pytest
from django.test import RequestFactory

from payments.constants import OrderStatus
from payments.contrib.sandbox import services as alipay_sandbox
from payments.contrib.sandbox import unionpay as unionpay_sandbox
from payments.contrib.sandbox import wechatpay as wechatpay_sandbox
from payments.models import GatewayTransaction, OrderTransition
from payments.services import FeeLine, order_create, order_start_payment
from payments.views import gateway_notify

from .helpers import NOTIFY_URL, paid_sandbox_trade

# Real commits: the order lock is a real transaction, not a savepoint in the test's.
pytestmark = pytest.mark.django_db(transaction=True)


def _order(gateway: str):
    from identity.tests.factories import UserFactory

    user = UserFactory()
    order = order_create(
        user=user,
        subject="普通护照签发",
        lines=[FeeLine(name="普通护照工本费", amount_fen=12000, legal_basis="发改价格〔2017〕1186号")],
    )
    return order_start_payment(order_id=order.pk, user=user, gateway=gateway)


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
def test_a_notification_costs_at_most_four_queries_and_a_replay_one(
    gateway, make_request, accepted, django_assert_max_num_queries
):
    order = _order(gateway)
    request = make_request(order)

    with django_assert_max_num_queries(4) as first:
        response = gateway_notify(request, gateway)
    with django_assert_max_num_queries(1):
        replay = gateway_notify(request, gateway)  # the same delivery again

    assert (response.status_code, replay.status_code) == (accepted, accepted), first.captured_queries
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
