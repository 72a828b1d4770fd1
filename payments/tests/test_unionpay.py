"""UnionPay back-end notifications from the sandbox: the certificate chain, CN and signature are ours to check."""

import pytest

from payments.constants import OrderStatus
from payments.contrib.sandbox import unionpay as sandbox
from payments.contrib.sandbox.services import KEYS
from payments.models import GatewayTransaction

from .helpers import passport_order

pytestmark = pytest.mark.django_db

URL = "/payments/notify/unionpay/"


@pytest.fixture
def order():
    return passport_order(gateway="unionpay")


def _notification(order, **changes):
    params = sandbox.payment_notification(order_id=order.out_trade_no, query_id="772911290000000001", amount_fen=12000)
    return {**params, **changes}


def test_a_verified_notification_pays_once_and_answers_200(client, order):
    params = _notification(order)

    answers = {client.post(URL, params).status_code for _ in range(3)}

    assert answers == {200}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.filter(order=order).count() == 1


def _resigned(params: dict, **changes) -> dict:
    """Changed and signed again with the sandbox's genuine certificate."""
    unsigned = {k: v for k, v in params.items() if k not in ("signature", "signPubKeyCert")}
    return sandbox.sign({**unsigned, **changes})


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p: {**p, "txnAmt": "1"}, id="tampered-amount"),
        pytest.param(lambda p: {**p, "signature": p["signature"][:-6] + "AAAAA="}, id="bad-signature"),
        # A certificate the sandbox made but UnionPay's middle CA never issued (the middle itself).
        pytest.param(lambda p: {**p, "signPubKeyCert": (KEYS / "unionpay-middle.pem").read_text()}, id="foreign-cert"),
        pytest.param(lambda p: _resigned(p, merId="777290099999999"), id="foreign-merchant"),
    ],
)
def test_refused_notification_changes_nothing(client, order, tamper):
    response = client.post(URL, tamper(_notification(order)))

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not GatewayTransaction.objects.exists()
