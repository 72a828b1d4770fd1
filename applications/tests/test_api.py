import pytest
from django.test import Client

from applications import services
from identity.tests.factories import UserFactory
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application
from services.models import Material

from .conftest import pdf_file

pytestmark = pytest.mark.usefixtures("demo_catalogue")


def _submitted(applicant, code="440100-GA-007"):
    draft = services.application_start(applicant=applicant, item_code=code)
    services.application_save_draft(application=draft, data={**draft.form_data, "address": "广州"}, actor=applicant)
    for requirement in Material.objects.filter(version=draft.service_version, mandatory=True):
        services.material_add_upload(application=draft, requirement=requirement, uploaded=pdf_file(), actor=applicant)
    return services.application_submit(application=draft, actor=applicant)


def _token(client, user, scope: str) -> dict:
    from oauth2_provider.models import Application as PartnerApplication

    client.force_login(user)
    partner = PartnerApplication.objects.filter(client_id="web-partner").first() or make_web_application()
    tokens = authorization_code_tokens(client, partner, scope=scope)
    client.logout()
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}


def test_a_partner_reads_the_residents_applications_with_applications_read(client):
    resident = UserFactory(verified=True)
    case = _submitted(resident)
    headers = _token(client, resident, "openid applications:read")

    listing = client.get("/api/v1/applications/", **headers)
    detail = client.get(f"/api/v1/applications/{case.case_number}/", **headers)

    assert listing.status_code == 200
    assert [row["case_number"] for row in listing.json()["results"]] == [case.case_number]
    assert detail.status_code == 200
    body = detail.json()
    assert body["status"] == "submitted"
    assert [step["to_status"] for step in body["timeline"]] == ["submitted"]


def test_another_residents_case_is_404_and_a_token_without_the_scope_403(client):
    owner = UserFactory(verified=True)
    case = _submitted(owner)
    other = UserFactory(assurance_level=2)
    headers = _token(Client(), other, "openid applications:read")
    assert client.get(f"/api/v1/applications/{case.case_number}/", **headers).status_code == 404

    no_scope = _token(Client(), other, "openid profile")
    response = client.get("/api/v1/applications/", **no_scope)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
