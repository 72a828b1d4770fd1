"""What the three HTTP gateways share: their settings dict, the explicit sandbox flag, the client."""

import httpx
import pytest

from payments.base import HttpPaymentGateway
from payments.contrib.alipay.plugin import AlipayGateway
from payments.registry import gateways


@pytest.mark.parametrize(
    ("identifier", "setting"),
    [("alipay", "PAYMENTS_ALIPAY"), ("wechatpay", "PAYMENTS_WECHATPAY"), ("unionpay", "PAYMENTS_UNIONPAY")],
)
def test_is_sandbox_is_the_explicit_setting_never_guessed_from_urls(settings, identifier, setting):
    gateway = gateways[identifier]
    assert isinstance(gateway, HttpPaymentGateway)
    assert gateway.is_sandbox  # the demo and test default

    # Still pointed at the local sandbox, but the deployment says it is real: the flag is what counts.
    setattr(settings, setting, {**getattr(settings, setting), "SANDBOX": False})
    assert not gateway.is_sandbox


def test_the_http_client_uses_the_configured_timeout_and_transport(settings):
    settings.PAYMENTS_ALIPAY = {**settings.PAYMENTS_ALIPAY, "TIMEOUT": 3.5}
    with gateways["alipay"].http_client() as client:
        assert client.timeout.read == 3.5

    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="from the transport"))
    with AlipayGateway("alipay", transport=transport).http_client() as client:
        assert client.get("https://openapi.alipay.com/gateway.do").text == "from the transport"
