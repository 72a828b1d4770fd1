"""The resident's orders (我的订单): list, pay through the sandbox cashier, receipt; nobody else's."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from identity.tests.factories import UserFactory
from payments.constants import OrderStatus
from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.services import FeeLine, order_create, order_events_relay

from .helpers import wsgi_transport

pytestmark = pytest.mark.django_db


def _order(user, n=0):
    return order_create(
        user=user,
        subject="普通护照签发",
        lines=[FeeLine(name="普通护照工本费", amount_fen=12000, legal_basis="发改价格〔2017〕1186号")],
        reference=f"test:{n}",
    )


def test_resident_pays_through_the_sandbox_and_sees_the_receipt(client):
    user = UserFactory()
    order = _order(user)
    client.force_login(user)

    detail = client.get(reverse("payments:order_detail", args=[order.out_trade_no]))
    assert "去支付" in detail.content.decode()
    to_cashier = client.post(reverse("payments:pay", args=[order.out_trade_no]))
    cashier_url = urlparse(to_cashier["Location"])
    cashier = client.get(f"{cashier_url.path}?{cashier_url.query}")
    assert "沙箱" in cashier.content.decode()
    trade = SandboxTrade.objects.get(out_trade_no=order.out_trade_no)
    back = client.post(reverse("payments-sandbox:alipay-decide", args=[trade.trade_no]), {"decision": "pay"})
    back_url = urlparse(back["Location"])
    client.get(f"{back_url.path}?{back_url.query}")
    assert sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())
    order_events_relay()

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    receipt = client.get(reverse("payments:receipt", args=[order.out_trade_no]))
    assert receipt.status_code == 200
    assert order.receipt.number in receipt.content.decode()


def test_order_list_costs_the_same_queries_for_many_orders(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    _order(user, 0)
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("payments:order_list"))
    for n in range(1, 6):
        _order(user, n)
    with django_assert_max_num_queries(len(one)) as many:
        response = client.get(reverse("payments:order_list"))
    assert response.content.decode().count("普通护照签发") == 6
    assert len(many) == len(one)


def test_another_residents_order_is_not_found(client):
    order = _order(UserFactory())
    client.force_login(UserFactory())
    assert client.get(reverse("payments:order_detail", args=[order.out_trade_no])).status_code == 404
    assert client.post(reverse("payments:pay", args=[order.out_trade_no])).status_code == 404
