"""The demo catalogue's forms: one per service for the items residents reach first,
versioned (never edited once published), and prefilled from what is held (少填)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import demo as applications_demo
from applications import services
from applications.bundles import application_schema
from applications.forms import ordered_fields
from certificates import demo as certificates_demo
from identity import demo as identity_demo
from identity import demo_enterprises, demo_registries
from identity.models import User
from identity.selectors_enterprises import enterprise_by_uscc
from services import demo as services_demo
from services import demo_data
from services.constants import VersionStatus
from services.demo_forms import ENTERPRISE_FORM, FORMS, RESIDENT_FORM
from services.models import Bundle, ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db

PREFILL_TARGET = 0.7


def _required_item_codes() -> set[str]:
    """Every item in the four topic columns, every bundle's items, and the 20 most popular."""
    codes = {code for topic in demo_data.TOPICS for code in topic[4]}
    codes |= {code for bundle in demo_data.BUNDLES for code in bundle[6]}
    popular = sorted(demo_data.ITEMS, key=lambda item: -item["popularity"])[:20]
    return codes | {item["code"] for item in popular}


@pytest.fixture
def demo_people(db):
    identity_demo.seed()
    demo_enterprises.seed()
    demo_registries.seed()
    services_demo.seed()
    certificates_demo.seed()
    resident = User.objects.get(username=identity_demo.RESIDENT_MOBILE)
    agent = User.objects.get(username=identity_demo.AGENT_MOBILE)
    enterprise = enterprise_by_uscc(uscc=demo_enterprises.DEMO_ENTERPRISE_USCC)
    return resident, agent, enterprise


def test_every_item_residents_reach_first_has_a_form_of_its_own_in_both_languages(demo_people):
    codes = _required_item_codes()
    assert len(codes) >= 40
    published = {item.code: item.published_version.form_schema for item in ServiceItem.objects.all()}
    for code in codes:
        schema = published[code]
        assert schema == FORMS[code], code
        assert schema not in (RESIDENT_FORM, ENTERPRISE_FORM), code
        for name, spec in ordered_fields(schema):
            assert spec["title"] and spec["x-label-en"], (code, name)
    # The examples the issue names ask what their real counterparts ask.
    assert {"premises_address", "business_format", "food_categories", "food_safety_manager"} <= set(
        published["440100-SCJG-005"]["properties"]
    )
    assert {"withdrawal_reason", "lease_record_number", "bank_account"} <= set(
        published["440100-GJJ-001"]["properties"]
    )
    assert {"residence_address", "residence_type"} <= set(published["440100-GA-009"]["properties"])


def test_forms_arrive_with_the_first_version_and_reseeding_changes_no_published_version(demo_people):
    versions = dict(ServiceItemVersion.objects.values_list("pk", "form_schema"))
    assert not ServiceItemVersion.objects.exclude(status=VersionStatus.PUBLISHED).exists()
    assert set(ServiceItemVersion.objects.values_list("version", flat=True)) == {1}

    services_demo.seed()

    assert dict(ServiceItemVersion.objects.values_list("pk", "form_schema")) == versions


def test_a_changed_form_is_a_new_version_and_the_old_one_stays_as_it_was(demo_people, monkeypatch):
    item = ServiceItem.objects.get(code="440100-SCJG-005")
    old = item.published_version
    old_form = old.form_schema
    changed = {**old_form, "x-order": [*old_form["x-order"], "seats"], "properties": {**old_form["properties"]}}
    changed["properties"]["seats"] = {"type": "integer", "title": "就餐座位数", "x-label-en": "Seats"}
    monkeypatch.setitem(FORMS, "440100-SCJG-005", changed)

    services_demo.seed()

    item.refresh_from_db()
    old.refresh_from_db()
    assert item.published_version.version == old.version + 1
    assert item.published_version.form_schema == changed
    assert old.status == VersionStatus.SUPERSEDED
    assert old.form_schema == old_form


def _share(draft) -> float:
    fields = [name for name, _spec in ordered_fields(application_schema(draft))]
    return len([name for name in fields if name in draft.field_sources]) / len(fields)


def test_the_demo_resident_and_the_demo_enterprise_find_most_fields_filled_in(demo_people):
    """On the demo data as seed_demo leaves it: the demo enterprise has applied for its food licence before."""
    resident, agent, enterprise = demo_people
    applications_demo.seed_cases()
    shares = {}
    for item in ServiceItem.objects.filter(code__in=_required_item_codes()):
        if item.audience == "enterprise":
            draft = services.application_start(applicant=agent, item_code=item.code, enterprise=enterprise)
        else:
            draft = services.application_start(applicant=resident, item_code=item.code)
        shares[item.code] = _share(draft)
    for bundle in Bundle.objects.all():
        if bundle.audience == "enterprise":
            draft = services.application_start_bundle(applicant=agent, bundle_code=bundle.code, enterprise=enterprise)
        else:
            draft = services.application_start_bundle(applicant=resident, bundle_code=bundle.code)
        shares[bundle.code] = _share(draft)
    below = {code: round(share, 2) for code, share in shares.items() if share < PREFILL_TARGET}
    assert below == {}, below


def test_registry_held_fields_are_locked_and_name_a_sandbox_source_and_its_date(demo_people):
    resident, agent, enterprise = demo_people
    draft = services.application_start(applicant=agent, item_code="440100-SCJG-001", enterprise=enterprise)
    address = draft.field_sources["registered_address"]
    assert draft.form_data["registered_address"] == "广州市天河区天河路100号"
    assert address["locked"] is True
    assert address["label"] == "企业登记信息（沙箱）"
    assert address["at"]
    assert draft.form_data["legal_representative"] == "张三"

    fund = services.application_start(applicant=resident, item_code="440100-GJJ-001")
    assert fund.form_data["household_address"] == "广东省广州市天河区体育西路1号"
    assert fund.field_sources["household_address"]["label"] == "户籍信息（沙箱）"
    assert fund.form_data["bank_account"] == "6222 **** **** 0128"
    assert fund.field_sources["bank_account"]["locked"] is False
    assert fund.field_sources["bank_account"]["reference"].startswith("bank_account:")


def test_a_record_answering_several_fields_is_read_once_per_form(demo_people):
    resident, agent, enterprise = demo_people

    def reads(table, start):
        with CaptureQueriesContext(connection) as queries:
            start()
        return sum(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)

    # 企业类型, 住所, 注册资本 and 经营范围 come from one market-entity registry record.
    assert (
        reads(
            "identity_sandboxenterprise",
            lambda: services.application_start(applicant=agent, item_code="440100-SCJG-001", enterprise=enterprise),
        )
        == 1
    )
    # The household address and ethnicity from one population registry record, bank and number from one account.
    assert (
        reads(
            "identity_sandboxidentity",
            lambda: services.application_start(applicant=resident, item_code="440100-GA-009"),
        )
        == 1
    )
    assert (
        reads(
            "identity_bankaccount", lambda: services.application_start(applicant=resident, item_code="440100-GJJ-001")
        )
        == 1
    )


def test_an_earlier_application_answers_what_no_record_holds(demo_people):
    resident, agent, enterprise = demo_people
    first = services.application_start(applicant=agent, item_code="440100-SCJG-005", enterprise=enterprise)
    assert "food_safety_manager" not in first.form_data

    services.application_save_draft(
        application=first,
        data={
            **first.form_data,
            "premises_address": "广州市天河区天河路100号首层",
            "premises_area": 120,
            "business_format": "餐饮服务经营者",
            "food_categories": "热食类食品制售",
            "food_safety_manager": "王小红",
            "food_safety_manager_mobile": "13800138002",
        },
        actor=agent,
    )
    for requirement in services.application_requirements(first):
        services.material_add_upload(
            application=first, requirement=requirement, uploaded=applications_demo._demo_pdf("a.pdf"), actor=agent
        )
    submitted = services.application_submit(application=first, actor=agent)

    # The enterprise's legal representative applies next: the enterprise's last answers come back.
    again = services.application_start(applicant=resident, item_code="440100-SCJG-005", enterprise=enterprise)
    assert again.form_data["food_safety_manager"] == "王小红"
    source = again.field_sources["food_safety_manager"]
    assert (source["source"], source["locked"]) == ("history:food_safety_manager", False)
    assert source["reference"] == f"case:{submitted.case_number}"
    assert _share(again) == 1
