"""A case with a fee: its order at acceptance, moving on once paid, refunded when withdrawn."""

import pytest

from applications.constants import Role, Status
from applications.models import Application, Transition
from applications.payments_bridge import order_reference
from applications.services import application_transition
from applications.tests import factories
from payments.constants import OrderStatus, RefundStatus
from payments.contrib.sandbox import services as sandbox
from payments.models import PaymentOrder, Refund
from payments.services import order_events_relay, order_start_payment
from payments.tests.helpers import NOTIFY_URL, paid_sandbox_trade
from services.models import Fee, ServiceItemVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_item():
    item = factories.published_item(department_code="ga", code="GA-PASS")
    Fee.objects.create(
        version=ServiceItemVersion.objects.get(item=item),
        name="普通护照工本费",
        amount_fen=12000,
        legal_basis="发改价格〔2017〕1186号",
    )
    return item


@pytest.fixture
def accepted_case(fee_item):
    official = factories.official(department=fee_item.department)
    case = factories.submitted_application(applicant=factories.resident(), item=fee_item)
    assert not PaymentOrder.objects.exists()  # the passport fee is paid after acceptance
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    return case


def test_an_accepted_case_with_a_fee_gets_one_order(accepted_case):
    order = PaymentOrder.objects.get(reference=order_reference(accepted_case))
    assert order.user_id == accepted_case.applicant_id
    assert order.amount_fen == 12000
    assert list(order.lines.values_list("name", "amount_fen")) == [("普通护照工本费", 12000)]


def test_a_case_without_a_fee_gets_no_order():
    item = factories.published_item(department_code="ga", code="GA-FREE")
    official = factories.official(department=item.department)
    case = factories.submitted_application(applicant=factories.resident(), item=item)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    assert not PaymentOrder.objects.exists()


def test_the_case_moves_on_by_itself_once_paid(client, accepted_case):
    order = PaymentOrder.objects.get(reference=order_reference(accepted_case))
    order_start_payment(order_id=order.pk, user=accepted_case.applicant, gateway="alipay")
    trade = paid_sandbox_trade(order)

    for _ in range(3):
        assert client.post(NOTIFY_URL, sandbox.notification_params(trade)).content == b"success"
        order_events_relay()

    assert Application.objects.get(pk=accepted_case.pk).status == Status.IN_REVIEW
    moves = Transition.objects.filter(application=accepted_case, to_status=Status.IN_REVIEW)
    assert list(moves.values_list("role", flat=True)) == [Role.SYSTEM]


def test_a_case_withdrawn_after_payment_is_refunded_in_full(client, accepted_case):
    order = PaymentOrder.objects.get(reference=order_reference(accepted_case))
    order_start_payment(order_id=order.pk, user=accepted_case.applicant, gateway="alipay")
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))

    application_transition(application_id=accepted_case.pk, to_status=Status.WITHDRAWN, actor=accepted_case.applicant)

    refund = Refund.objects.get(order=order)
    assert (refund.amount_fen, refund.status) == (12000, RefundStatus.APPROVED)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # until the gateway confirms the refund


def test_the_case_page_shows_the_fee_and_a_pay_button(client, accepted_case):
    client.force_login(accepted_case.applicant)
    page = client.get(f"/my/applications/{accepted_case.case_number}/").content.decode()
    assert "普通护照工本费" in page
    assert "120.00" in page
    assert "去支付" in page


def test_a_case_refused_after_paying_at_submission_is_refunded(client, fee_item, settings):
    settings.PAYMENTS_ORDER_AT_SUBMISSION = [fee_item.code]
    official = factories.official(department=fee_item.department)
    case = factories.submitted_application(applicant=factories.resident(), item=fee_item)
    order = PaymentOrder.objects.get(reference=order_reference(case))
    order_start_payment(order_id=order.pk, user=case.applicant, gateway="alipay")
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))

    application_transition(application_id=case.pk, to_status=Status.REFUSED, actor=official, comment="不属于受理范围")

    assert Refund.objects.get(order=order).amount_fen == 12000
