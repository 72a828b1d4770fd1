"""Reuse in applications (少报, 少填): the wallet provider offers held certificates in place of an
upload, the case records the annotated copy, and certificate fields prefill the form, locked."""

import pytest
from django.urls import reverse

from applications import services as application_services
from applications.constants import MaterialSource
from applications.demo import RESIDENT_FORM
from applications.tests import factories as case_factories
from certificates.constants import ShareRecipientKind, UseKind
from certificates.models import Share, UseLog
from certificates.services import certificate_revoke
from identity.tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    item = case_factories.published_item(code="GA-RP-010")
    item.published_version.materials.update(certificate_type_code="residence_permit", name="居住证")
    return item


def _draft(applicant, item):
    return application_services.application_start(applicant=applicant, item_code=item.code)


def test_the_draft_offers_the_held_certificate_and_the_case_records_the_annotated_copy(client, item):
    certificate = factories.certificate()
    applicant = certificate.holder_user
    application = _draft(applicant, item)
    client.force_login(applicant)
    page = client.get(reverse("applications:draft", args=[application.pk])).content.decode()
    assert f'value="wallet:{certificate.uuid}"' in page
    requirement = item.published_version.materials.get()
    response = client.post(
        reverse("applications:material_certificate", args=[application.pk]),
        {"requirement": requirement.pk, "holding": f"wallet:{certificate.uuid}"},
    )
    assert response.status_code == 302
    material = application.materials.get()
    assert material.source == MaterialSource.CERTIFICATE
    assert material.certificate_reference == f"wallet:{certificate.uuid}"
    share = Share.objects.get(certificate=certificate, case_reference=str(application.pk))
    assert share.recipient_kind == ShareRecipientKind.CASE and share.is_open()
    assert UseLog.objects.filter(certificate=certificate, kind=UseKind.APPLICATION, share=share).exists()
    wallet = client.get(reverse("certificates:wallet")).content.decode()
    assert "电子证照已为您免交 1 份材料" in wallet


def test_a_revoked_certificate_is_not_offered(client, item):
    certificate = factories.certificate()
    certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(is_superuser=True), reason="注销")
    application = _draft(certificate.holder_user, item)
    client.force_login(certificate.holder_user)
    page = client.get(reverse("applications:draft", args=[application.pk])).content.decode()
    assert str(certificate.uuid) not in page
    assert "您的电子证照库中暂无该类证照" in page


def test_someone_elses_certificate_cannot_be_used(client, item):
    theirs = factories.certificate()
    applicant = factories.resident()
    application = _draft(applicant, item)
    client.force_login(applicant)
    requirement = item.published_version.materials.get()
    response = client.post(
        reverse("applications:material_certificate", args=[application.pk]),
        {"requirement": requirement.pk, "holding": f"wallet:{theirs.uuid}"},
    )
    assert response.status_code == 404
    assert not application.materials.exists()
    assert not UseLog.objects.exists()


def test_certificate_fields_prefill_the_form_locked_with_the_certificate_as_source():
    schema = {
        **RESIDENT_FORM,
        "x-order": [*RESIDENT_FORM["x-order"], "permit_number"],
        "properties": {
            **RESIDENT_FORM["properties"],
            "address": {**RESIDENT_FORM["properties"]["address"], "x-source": "certificate:residence_permit.address"},
            "permit_number": {
                "type": "string",
                "title": "居住证编号",
                "x-source": "certificate:residence_permit.number",
            },
        },
    }
    item = case_factories.published_item(code="GA-RP-011", form_schema=schema)
    certificate = factories.certificate(form_data={"address": "广州市越秀区北京路9号"})
    application = _draft(certificate.holder_user, item)
    assert application.form_data["address"] == "广州市越秀区北京路9号"
    assert application.form_data["permit_number"] == certificate.number
    assert application.field_sources["address"]["source"] == "certificate:residence_permit.address"
    assert application.field_sources["address"]["locked"] is True
