"""Prefill sources, material providers and message templates plug in through
``common.plugins.Registry``; tests register their own plugins in a fresh registry."""

import datetime

import pytest
from django.urls import reverse

from applications.constants import MaterialSource, Status
from applications.models import Application, SubmittedMaterial
from applications.tests.factories import published_item, resident
from common.material_providers import Holding, MaterialProvider, material_providers
from common.plugins import PluginError, Registry
from common.prefill import PrefillSource, sources
from notifications.templates import message_templates, register_template

pytestmark = pytest.mark.django_db

HOUSEHOLD_REGISTER = "household_register"


class SampleWallet(MaterialProvider):
    """A provider for tests: holdings per user, and a log of what was used."""

    verbose_name = "测试证照库"

    def __init__(self, identifier: str):
        super().__init__(identifier)
        self.held: dict[int, list[Holding]] = {}
        self.used: list[tuple[int, str, str]] = []
        self.asked: list[tuple[int, object, str]] = []

    def holdings(self, *, user, principal, type_code):
        self.asked.append((user.pk, principal, type_code))
        return [h for h in self.held.get(user.pk, []) if type_code == HOUSEHOLD_REGISTER]

    def holding_used(self, *, user, principal, holding, case_reference):
        self.used.append((user.pk, holding.reference, case_reference))


@pytest.fixture
def wallet():
    with material_providers.fresh(empty=True):
        provider = material_providers.register("test-wallet", SampleWallet("test-wallet"))
        yield provider


@pytest.fixture
def applicant():
    return resident(real_name="李小明")


def _draft(client, user, item) -> Application:
    client.force_login(user)
    response = client.post(reverse("applications:apply", kwargs={"code": item.code}))
    assert response.status_code == 302
    return Application.objects.get(applicant=user, status=Status.DRAFT, service_item=item)


def _draft_page(client, application) -> str:
    return client.get(reverse("applications:draft", kwargs={"draft_id": application.pk})).content.decode()


def test_prefill_sources_material_providers_and_message_templates_are_registries():
    assert isinstance(sources, Registry)
    assert isinstance(material_providers, Registry)
    assert isinstance(message_templates, Registry)
    # Filled from ApplicationsConfig.ready(), not at import time of a module someone happened to import.
    assert {"identity.name", "identity.id_number", "enterprise.uscc"} <= set(sources.identifiers())
    assert "applications.status_changed" in message_templates
    # The test template lives in the tests only.
    assert "test.ping" not in message_templates


def test_a_second_source_or_template_under_a_taken_name_is_refused():
    with sources.fresh():
        with pytest.raises(PluginError, match=r"already registered as 'identity\.name'"):
            sources.register("identity.name", PrefillSource("identity.name"))
        assert sources["identity.name"].label == "实名认证信息"
    with message_templates.fresh(), pytest.raises(PluginError, match=r"applications\.status_changed"):
        register_template("applications.status_changed", {"zh-hans": ("标题", "正文")})


class CertificateFields(PrefillSource):
    """A family of sources in the shape of the certificates app's ``certificate:<type>.<field>``
    (registered under its own prefix: the certificates app's family is registered already)."""

    label = "电子证照"
    authoritative = True

    def resolve(self, *, source, applicant, enterprise):
        return {"sample-certificate:household_register.address": "广州市天河区体育西路1号"}.get(source)


def test_a_prefill_family_answers_the_sources_of_its_prefix_and_is_gone_after_the_test(client, applicant):
    schema = {
        "type": "object",
        "properties": {
            "address": {
                "type": "string",
                "title": "住址",
                "x-source": "sample-certificate:household_register.address",
            },
            "name": {"type": "string", "title": "姓名", "x-source": "identity.name"},
        },
    }
    item = published_item(code="TEST-FAMILY-1", form_schema=schema)
    with sources.fresh():
        sources.register("sample-certificate", CertificateFields("sample-certificate"))
        application = _draft(client, applicant, item)
    assert application.form_data == {"address": "广州市天河区体育西路1号", "name": "李小明"}
    assert application.field_sources["address"]["locked"] is True
    assert application.field_sources["address"]["source"] == "sample-certificate:household_register.address"
    assert "sample-certificate" not in sources


def test_without_a_material_provider_the_page_says_the_library_is_coming(client, applicant):
    item = published_item(code="TEST-CERT-001", certificate_type_code=HOUSEHOLD_REGISTER)
    with material_providers.fresh(empty=True):
        html = _draft_page(client, _draft(client, applicant, item))
    assert "从电子证照库选择" in html
    assert "电子证照库即将开通" in html


def test_with_a_provider_that_holds_nothing_the_page_asks_for_an_upload(client, applicant, wallet):
    item = published_item(code="TEST-CERT-003", certificate_type_code=HOUSEHOLD_REGISTER)
    html = _draft_page(client, _draft(client, applicant, item))
    assert "您的电子证照库中暂无该类证照" in html
    assert "即将开通" not in html


def test_the_page_lists_holdings_and_a_chosen_one_satisfies_the_material(client, applicant, wallet):
    item = published_item(code="TEST-CERT-002", certificate_type_code=HOUSEHOLD_REGISTER)
    wallet.held[applicant.pk] = [
        Holding(reference="HR-2026-0001", name="居民户口簿", issued_on=datetime.date(2026, 1, 5))
    ]
    other = resident()
    application = _draft(client, applicant, item)

    html = _draft_page(client, application)
    assert "居民户口簿（2026-01-05）" in html
    assert 'value="test-wallet:HR-2026-0001"' in html
    # The provider is asked for the applicant, for whom the application is (no enterprise: themself).
    assert wallet.asked[-1] == (applicant.pk, applicant, HOUSEHOLD_REGISTER)

    requirement = item.published_version.materials.get()
    url = reverse("applications:material_certificate", kwargs={"draft_id": application.pk})
    for forged in ("test-wallet:NOT-MINE", "other-wallet:HR-2026-0001", "HR-2026-0001", ""):
        refused = client.post(url, {"requirement": requirement.pk, "holding": forged})
        assert refused.status_code == 404, forged
    assert not SubmittedMaterial.objects.exists()

    assert client.post(url, {"requirement": requirement.pk, "holding": "test-wallet:HR-2026-0001"}).status_code == 302
    material = SubmittedMaterial.objects.get()
    assert material.source == MaterialSource.CERTIFICATE
    assert material.certificate_reference == "test-wallet:HR-2026-0001"
    assert material.original_name == "居民户口簿"
    assert not material.file
    assert wallet.used == [(applicant.pk, "HR-2026-0001", str(application.pk))]

    # Choosing it again adds nothing; someone else cannot use it.
    client.post(url, {"requirement": requirement.pk, "holding": "test-wallet:HR-2026-0001"})
    assert SubmittedMaterial.objects.count() == 1
    client.force_login(other)
    assert client.post(url, {"requirement": requirement.pk, "holding": "test-wallet:HR-2026-0001"}).status_code == 404

    # The held certificate satisfies the mandatory material: the case submits without an upload.
    client.force_login(applicant)
    data = {"applicant_name": "李小明", "mobile": "13800000001", "address": "广州市天河区体育西路1号"}
    response = client.post(
        reverse("applications:draft", kwargs={"draft_id": application.pk}), {**data, "action": "submit"}
    )
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED, response.content.decode()[:2000]

    # The case page tells the applicant what the held certificate spared them (少报).
    page = client.get(reverse("applications:case", kwargs={"case_number": application.case_number}))
    assert "已用电子证照代替 1 份材料，无需另行提交。" in page.content.decode()
