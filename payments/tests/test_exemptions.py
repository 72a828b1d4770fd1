"""Fee exemptions (减免): the catalogue says whom a fee is waived for, a registered source says
who qualifies, and the order made for the case carries the waiver and its basis."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.constants import Status
from applications.payments_bridge import order_reference
from applications.services import application_transition
from applications.tests import factories
from identity.tests.factories import UserFactory, login_with_totp
from payments.constants import OrderStatus
from payments.contrib.sandbox import civil_affairs
from payments.contrib.sandbox.models import SandboxAssistanceRecord
from payments.exemptions import Attestation, ExemptionSource, ExemptionSourceError, exemption_sources
from payments.models import OrderTransition, PaymentOrder
from payments.services import fee_lines_for_version
from services.constants import FeeExemptionCategory
from services.models import Fee, ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db

BASIS = "发改价格〔2003〕2322号：城市最低生活保障对象免收工本费"


def _register(user, category=FeeExemptionCategory.LOW_INCOME, *, valid_until=None) -> SandboxAssistanceRecord:
    return SandboxAssistanceRecord.objects.create(
        id_number_digest=user.id_number_digest,
        id_number_masked=user.id_number_masked,
        name=user.real_name,
        category=category,
        certificate_no="低保证 TEST-0001",
        valid_until=valid_until,
    )


@pytest.fixture
def id_card_item():
    """An item whose 工本费 is waived for 低保 and 特困, plus a fee that is never waived."""
    item = factories.published_item(department_code="ga", code="GA-IDCARD")
    version = ServiceItemVersion.objects.get(item=item)
    Fee.objects.create(
        version=version,
        name="居民身份证工本费",
        amount_fen=2000,
        legal_basis="发改价格〔2003〕2322号",
        exempt_categories=[FeeExemptionCategory.LOW_INCOME, FeeExemptionCategory.EXTREME_POVERTY],
        exemption_basis=BASIS,
        order=1,
    )
    return item


def _accepted_case(item, applicant):
    official = factories.official(department=item.department)
    case = factories.submitted_application(applicant=applicant, item=item)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    return case


def test_a_registered_low_income_resident_gets_a_zero_fee_exempt_record_with_its_basis(client, id_card_item):
    resident = factories.resident()
    _register(resident)

    case = _accepted_case(id_card_item, resident)

    order = PaymentOrder.objects.get(reference=order_reference(case))
    assert (order.status, order.amount_fen) == (OrderStatus.EXEMPT, 0)
    line = order.lines.get()
    assert line.amount_fen == 0
    assert "低保证 TEST-0001" in line.exemption
    assert BASIS in line.exemption
    # Born exempt and final: no event (no receipt, no message), nothing for the query task.
    assert list(OrderTransition.objects.filter(order=order).values_list("from_status", "to_status", "event")) == [
        ("", OrderStatus.EXEMPT, "")
    ]
    client.force_login(resident)
    page = client.get(f"/my/applications/{case.case_number}/").content.decode()
    assert "已减免" in page
    assert "费用已依规减免，无需缴费。" in page
    assert "去支付" not in page


def test_an_unregistered_resident_pays_the_full_fee(id_card_item):
    case = _accepted_case(id_card_item, factories.resident())

    order = PaymentOrder.objects.get(reference=order_reference(case))
    assert (order.status, order.amount_fen) == (OrderStatus.CREATED, 2000)
    assert order.lines.get().exemption == ""


def test_only_the_waived_fee_is_zero_when_another_fee_is_not_exempt(id_card_item):
    Fee.objects.create(
        version=id_card_item.published_version, name="邮寄费", amount_fen=1500, legal_basis="EMS 协议价", order=2
    )
    resident = factories.resident()
    _register(resident, FeeExemptionCategory.EXTREME_POVERTY)

    order = PaymentOrder.objects.get(reference=order_reference(_accepted_case(id_card_item, resident)))

    assert (order.status, order.amount_fen) == (OrderStatus.CREATED, 1500)
    assert [(line.name, line.amount_fen, bool(line.exemption)) for line in order.lines.all()] == [
        ("居民身份证工本费", 0, True),
        ("邮寄费", 1500, False),
    ]


def test_an_expired_registration_or_an_untrusted_source_waives_nothing(id_card_item, settings):
    version = id_card_item.published_version
    expired = factories.resident()
    _register(expired, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert fee_lines_for_version(version=version, payer=expired)[0].amount_fen == 2000

    registered = factories.resident()
    _register(registered)
    assert fee_lines_for_version(version=version, payer=registered)[0].amount_fen == 0
    settings.PAYMENTS_EXEMPTION_SOURCES = []  # the deployment trusts no source
    assert fee_lines_for_version(version=version, payer=registered)[0].amount_fen == 2000


def test_an_unverified_account_is_never_matched_by_its_id_number(id_card_item):
    resident = factories.resident()
    _register(resident)
    resident.verified_at = None

    assert fee_lines_for_version(version=id_card_item.published_version, payer=resident)[0].amount_fen == 2000


def test_an_unreachable_source_charges_in_full_rather_than_guessing(id_card_item, settings):
    class Down(ExemptionSource):
        categories = frozenset(FeeExemptionCategory.values)

        def categories_for(self, *, user):
            raise ExemptionSourceError("timeout")

    class Always(ExemptionSource):
        categories = frozenset({FeeExemptionCategory.LOW_INCOME})

        def categories_for(self, *, user):
            return [Attestation(category=FeeExemptionCategory.LOW_INCOME, source=self.identifier, evidence="X-1")]

    with exemption_sources.fresh(empty=True):
        exemption_sources.register("down", Down("down"))
        exemption_sources.register("always", Always("always"))
        settings.PAYMENTS_EXEMPTION_SOURCES = ["down"]
        assert fee_lines_for_version(version=id_card_item.published_version, payer=UserFactory())[0].amount_fen == 2000
        settings.PAYMENTS_EXEMPTION_SOURCES = ["down", "always"]
        line = fee_lines_for_version(version=id_card_item.published_version, payer=UserFactory())[0]
        assert (line.amount_fen, line.exemption.startswith("最低生活保障对象（低保户）（X-1）")) == (0, True)


def test_an_enterprise_case_is_never_exempt(id_card_item):
    resident = factories.resident()
    _register(resident)
    lines = fee_lines_for_version(version=id_card_item.published_version, payer=None)
    assert [line.amount_fen for line in lines] == [2000]


def test_the_draft_page_shows_the_waiver_before_submission(client, id_card_item):
    resident = factories.resident()
    _register(resident)
    draft = factories.draft_application(applicant=resident, item=id_card_item)
    client.force_login(resident)

    page = client.get(f"/applications/drafts/{draft.pk}/").content.decode()

    assert "需缴费用" in page
    assert "低保证 TEST-0001" in page
    assert "费用已依规减免，无需缴费。" in page


def test_a_fee_with_exempt_categories_needs_a_basis():
    fee = Fee(name="工本费", amount_fen=100, legal_basis="x", exempt_categories=[FeeExemptionCategory.LOW_INCOME])
    with pytest.raises(ValidationError) as raised:
        fee.clean()
    assert "exemption_basis" in raised.value.message_dict
    fee.exempt_categories = ["nobody"]
    with pytest.raises(ValidationError) as raised:
        fee.clean()
    assert "exempt_categories" in raised.value.message_dict


def test_the_demo_id_card_guide_shows_its_exemption_in_chinese_and_english(client, catalogue):
    zh = client.get("/services/440100-GA-001/").content.decode()
    assert "最低生活保障对象（低保户）、特困供养人员免收" in zh
    assert "发改价格〔2003〕2322号：城市最低生活保障对象" in zh
    en = client.get("/en/services/440100-GA-001/").content.decode()
    assert "Waived for" in en
    assert "recipients of minimum living allowance (dibao)" in en


def test_the_demo_registry_seed_exempts_the_sandbox_identity(catalogue):
    assert civil_affairs.seed()
    civil_affairs.seed()  # idempotent
    assert SandboxAssistanceRecord.objects.filter(name="王小明").count() == 1
    from identity.personal_data import id_number_columns

    person = UserFactory(verified=True, id_number="11010519800808777X", real_name="王小明")
    assert person.id_number_digest == id_number_columns("11010519800808777X")["id_number_digest"]
    version = ServiceItem.objects.get(code="440100-GA-001").published_version
    assert [line.amount_fen for line in fee_lines_for_version(version=version, payer=person)] == [0]


def test_officials_edit_exemptions_in_the_admin_and_see_them_on_orders(client, id_card_item):
    resident = factories.resident()
    _register(resident)
    order = PaymentOrder.objects.get(reference=order_reference(_accepted_case(id_card_item, resident)))
    manager = UserFactory(official=True, is_superuser=True)
    login_with_totp(client, manager)

    version_page = client.get(
        f"/admin/services/serviceitemversion/{id_card_item.published_version.pk}/change/"
    ).content.decode()
    assert "减免对象" in version_page
    assert BASIS in version_page
    assert "缴费时点" in version_page
    order_page = client.get(f"/admin/payments/paymentorder/{order.pk}/change/").content.decode()
    assert "已减免" in order_page
    assert "低保证 TEST-0001" in order_page
    registry_page = client.get("/admin/payments_sandbox/sandboxassistancerecord/").content.decode()
    assert "SANDBOX" in registry_page
