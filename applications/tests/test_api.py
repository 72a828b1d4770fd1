import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications.models import AccessAttempt
from identity.tests.factories import UserFactory
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application
from services.models import ServiceItem

from .factories import pdf_upload, submitted_application

pytestmark = pytest.mark.usefixtures("demo_catalogue")

# A 1×1 PNG with an HTML document appended: a browser sniffing it could run the script.
PNG_WITH_HTML = (
    base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    + b"<html><script>alert(document.cookie)</script></html>"
)


def _submitted(applicant, code="440100-GA-007"):
    return submitted_application(applicant=applicant, item=ServiceItem.objects.get(code=code))


def _token(client, user, scope: str) -> dict:
    from oauth2_provider.models import Application as PartnerApplication

    client.force_login(user)
    partner = PartnerApplication.objects.filter(client_id="web-partner").first() or make_web_application()
    if not set(scope.split()) <= set(partner.partner_scope_grant.scopes):
        partner.partner_scope_grant.allowed_scopes = "openid profile applications:read applications:write"
        partner.partner_scope_grant.save()
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


def test_a_cursor_that_is_no_position_is_a_400_problem_not_a_500(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident, "openid applications:read")
    forged = base64.b64encode(b"p=not-a-time").decode()

    response = client.get("/api/v1/applications/", {"cursor": forged}, **headers)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]


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


def test_the_api_records_someone_elses_case_number_like_the_case_page(client):
    owner = UserFactory(verified=True)
    case = _submitted(owner)
    intruder = UserFactory(assurance_level=2)
    headers = _token(Client(), intruder, "openid applications:read")

    response = client.get(f"/api/v1/applications/{case.case_number}/", **headers)
    missing = client.get("/api/v1/applications/NOPE-20260101-000001/", **headers)

    # The same answer as for a case that does not exist, but the attempt is on record.
    assert response.status_code == missing.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == missing.json()
    assert list(AccessAttempt.objects.values_list("user_id", "case_number")) == [(intruder.pk, case.case_number)]
    # The owner reads it, and that is no attempt.
    assert (
        client.get(
            f"/api/v1/applications/{case.case_number}/", **_token(Client(), owner, "openid applications:read")
        ).status_code
        == 200
    )
    assert AccessAttempt.objects.count() == 1


def test_a_partner_applies_for_a_resident_with_the_same_checks_as_the_pages(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident, "openid applications:read applications:write")

    created = client.post(
        "/api/v1/applications/drafts/",
        {"service_code": "440100-GA-007", "data": {"address": "广州市海珠区"}},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    draft = created.json()
    assert draft["form_data"]["applicant_name"] == resident.real_name  # prefilled
    assert draft["field_sources"]["applicant_name"]["locked"] is True

    early = client.post(f"/api/v1/applications/drafts/{draft['id']}/submit/", **headers)
    assert early.status_code == 400
    assert early.json()["code"] == "materials_missing"

    polyglot = SimpleUploadedFile("a.png", PNG_WITH_HTML, content_type="image/png")
    mandatory = [r for r in draft["requirements"] if r["mandatory"]]
    refused = client.post(
        f"/api/v1/applications/drafts/{draft['id']}/materials/",
        {"requirement": mandatory[0]["id"], "file": polyglot},
        **headers,
    )
    assert refused.status_code == 400 and refused.json()["code"] == "polyglot"

    for requirement in mandatory:
        uploaded = client.post(
            f"/api/v1/applications/drafts/{draft['id']}/materials/",
            {"requirement": requirement["id"], "file": pdf_upload()},
            **headers,
        )
        assert uploaded.status_code == 201
    submitted = client.post(f"/api/v1/applications/drafts/{draft['id']}/submit/", **headers)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["case_number"].startswith("GA-")


def test_a_read_only_token_cannot_create_drafts(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident, "openid applications:read")
    response = client.post(
        "/api/v1/applications/drafts/", {"service_code": "440100-GA-007"}, content_type="application/json", **headers
    )
    assert response.status_code == 403
