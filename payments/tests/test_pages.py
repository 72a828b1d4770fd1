"""The resident's orders (我的订单): list, pay through the sandbox cashier, receipt; nobody else's."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from identity.tests.factories import UserFactory
from payments.constants import OrderStatus
from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.services import order_events_relay

from .helpers import passport_fee_order, wsgi_transport

pytestmark = pytest.mark.django_db


def _order(user, n=0):
    return passport_fee_order(user, reference=f"test:{n}")


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


def test_resident_chooses_wechatpay_on_the_order_page_and_pays_through_the_sandbox(client):
    from payments.contrib.sandbox import wechatpay as sandbox_wechatpay
    from payments.registry import gateways

    user = UserFactory()
    order = _order(user)
    client.force_login(user)
    with gateways.fresh(empty=True) as registry:
        _register_all(registry, wechatpay_transport=wsgi_transport())
        detail = client.get(reverse("payments:order_detail", args=[order.out_trade_no])).content.decode()
        assert all(f'value="{channel}"' in detail for channel in ("alipay", "wechatpay", "unionpay"))

        to_cashier = client.post(reverse("payments:pay", args=[order.out_trade_no]), {"gateway": "wechatpay"})
        cashier_url = urlparse(to_cashier["Location"])
        cashier = client.get(f"{cashier_url.path}?{cashier_url.query}")
        assert "微信支付收银台" in cashier.content.decode()
        trade = SandboxTrade.objects.get(provider="wechatpay", out_trade_no=order.out_trade_no)
        client.post(
            reverse("payments-sandbox:wechatpay-cashier", args=[trade.trade_no]),
            {"decision": "pay", "redirect_url": cashier.context["redirect_url"]},
        )
        assert sandbox_wechatpay.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())

    order.refresh_from_db()
    assert (order.status, order.gateway) == (OrderStatus.PAID, "wechatpay")


def test_a_channel_not_offered_is_refused_on_the_order_page(client):
    user = UserFactory()
    order = _order(user)
    client.force_login(user)
    response = client.post(reverse("payments:pay", args=[order.out_trade_no]), {"gateway": "nonexistent"}, follow=True)
    assert "请选择可用的支付方式" in response.content.decode()
    order.refresh_from_db()
    assert order.gateway != "nonexistent"


def test_an_unreachable_gateway_gives_a_message_not_a_500(client):
    import httpx

    from payments.registry import gateways

    def down(request):
        raise httpx.ConnectError("refused")

    user = UserFactory()
    order = _order(user)
    client.force_login(user)
    with gateways.fresh(empty=True) as registry:
        _register_all(registry, wechatpay_transport=httpx.MockTransport(down))
        response = client.post(
            reverse("payments:pay", args=[order.out_trade_no]), {"gateway": "wechatpay"}, follow=True
        )
    assert response.status_code == 200
    assert "支付渠道暂时无法连接" in response.content.decode()


def _register_all(registry, *, wechatpay_transport):
    from payments.contrib.alipay.plugin import AlipayGateway
    from payments.contrib.unionpay.plugin import UnionPayGateway
    from payments.contrib.wechatpay.plugin import WechatPayGateway

    registry.register("alipay", AlipayGateway("alipay"))
    registry.register("wechatpay", WechatPayGateway("wechatpay", transport=wechatpay_transport))
    registry.register("unionpay", UnionPayGateway("unionpay"))
