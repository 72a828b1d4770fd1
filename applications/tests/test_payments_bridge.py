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
from payments.selectors import fee_order_point
from payments.services import order_events_relay, order_start_payment
from payments.tests.helpers import NOTIFY_URL, paid_sandbox_trade
from services.constants import FeeOrderPoint
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


def _set_order_point(item, point: str) -> None:
    # The guide version's own field (set in the admin on a draft before publishing).
    ServiceItemVersion.objects.filter(item=item).update(fee_order_point=point)


def test_a_version_ordering_at_submission_gets_its_order_when_submitted(fee_item, settings):
    settings.PAYMENTS_ORDER_AT_SUBMISSION = []  # the deployment's default would wait for acceptance
    _set_order_point(fee_item, FeeOrderPoint.SUBMISSION)

    case = factories.submitted_application(applicant=factories.resident(), item=fee_item)

    order = PaymentOrder.objects.get(reference=order_reference(case))
    assert (order.amount_fen, order.status) == (12000, OrderStatus.CREATED)


def test_a_version_ordering_after_acceptance_waits_even_if_the_setting_names_its_item(fee_item, settings):
    settings.PAYMENTS_ORDER_AT_SUBMISSION = [fee_item.code]
    _set_order_point(fee_item, FeeOrderPoint.ACCEPTANCE)
    official = factories.official(department=fee_item.department)

    case = factories.submitted_application(applicant=factories.resident(), item=fee_item)
    assert not PaymentOrder.objects.exists()
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)

    assert PaymentOrder.objects.get(reference=order_reference(case)).amount_fen == 12000


def test_a_version_that_leaves_the_point_blank_follows_the_setting(fee_item, settings):
    version = ServiceItemVersion.objects.get(item=fee_item)
    assert version.fee_order_point == ""
    settings.PAYMENTS_ORDER_AT_SUBMISSION = []
    assert fee_order_point(version) == FeeOrderPoint.ACCEPTANCE
    settings.PAYMENTS_ORDER_AT_SUBMISSION = [fee_item.code]
    assert fee_order_point(version) == FeeOrderPoint.SUBMISSION


def test_the_order_point_is_copied_into_a_new_draft_and_shown_in_the_admin(client, fee_item):
    from identity.tests.factories import UserFactory, login_with_totp
    from services.services import service_item_version_create_draft

    _set_order_point(fee_item, FeeOrderPoint.SUBMISSION)
    draft = service_item_version_create_draft(item=fee_item)
    assert draft.fee_order_point == FeeOrderPoint.SUBMISSION
    login_with_totp(client, UserFactory(official=True, is_superuser=True))

    page = client.get(f"/admin/services/serviceitemversion/{draft.pk}/change/").content.decode()

    assert 'name="fee_order_point"' in page
    assert '<option value="submission" selected>' in page
