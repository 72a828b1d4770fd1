from io import StringIO

import pytest
from django.core.management import call_command

from payments.constants import OrderStatus
from payments.models import PaymentOrder


@pytest.mark.django_db
def test_seed_demo_makes_the_passport_fee_payable_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    order = PaymentOrder.objects.get(user__username="13800138000", subject="普通护照签发")
    assert (order.amount_fen, order.status) == (12000, OrderStatus.CREATED)
    assert "演示缴费" in out.getvalue()
