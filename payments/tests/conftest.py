"""Payment fixtures: each gateway's adapter talking HTTP to the sandbox inside this Django process."""

import pytest

from payments.contrib.alipay.plugin import AlipayGateway
from payments.contrib.unionpay.plugin import UnionPayGateway
from payments.contrib.wechatpay.plugin import WechatPayGateway
from payments.registry import gateways

from .helpers import wsgi_transport


def _only_gateway(identifier: str, gateway_class):
    """``gateway_class`` as the only registered gateway, over HTTP to the sandbox, for the test's length."""
    with gateways.fresh(empty=True) as registry:
        gateway = gateway_class(identifier, transport=wsgi_transport())
        registry.register(identifier, gateway)
        yield gateway


@pytest.fixture
def alipay():
    """The Alipay adapter talking HTTP to the sandbox inside this Django process."""
    yield from _only_gateway("alipay", AlipayGateway)


@pytest.fixture
def wechatpay():
    yield from _only_gateway("wechatpay", WechatPayGateway)


@pytest.fixture
def unionpay():
    yield from _only_gateway("unionpay", UnionPayGateway)
