"""POST /api/v1/certificates/verify/ (scope certificates:verify): by token or by PDF, with a
clear answer for each outcome; the hotel check-in with a 居住证 lands in the holder's use log;
and the public verification page opened from the QR code."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.constants import UseKind
from certificates.documents import certificate_pdf
from certificates.models import UseLog
from certificates.services import certificate_revoke
from identity.tests.factories import UserFactory
from identity.tests.oauth_helpers import client_credentials_token, make_backend_application

from . import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/certificates/verify/"


def _partner(client, *scopes: str, name: str = "如家酒店（天河店）") -> dict:
    application = make_backend_application(scopes=list(scopes))
    application.name = name
    application.save(update_fields=["name"])
    response = client_credentials_token(client, application, scope=" ".join(scopes))
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def _post(client, headers, data, **kwargs):
    return client.post(URL, data, content_type=kwargs.pop("content_type", "application/json"), **headers, **kwargs)


def test_hotel_checks_in_a_guest_with_the_residence_permit_and_the_holder_sees_it(client):
    permit = factories.certificate()
    headers = _partner(client, "certificates:verify")
    response = _post(client, headers, {"token": permit.token, "purpose": "酒店入住", "use": UseKind.HOTEL_CHECK_IN})
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "valid"
    assert body["certificate"]["type_name"] == "居住证"
    assert "广州市天河区体育西路1号" not in response.content.decode()  # the address is not public
    use = UseLog.objects.get(certificate=permit)
    assert (use.kind, use.party, use.purpose) == (UseKind.HOTEL_CHECK_IN, "如家酒店（天河店）", "酒店入住")
    client.force_login(permit.holder_user)
    page = client.get(reverse("certificates:detail", args=[permit.uuid])).content.decode()
    assert "如家酒店（天河店）" in page and "酒店入住核验" in page


def test_the_api_answers_revoked_tampered_and_unknown_key_clearly(client):
    headers = _partner(client, "certificates:verify")
    revoked = factories.certificate()
    official = UserFactory(is_superuser=True, is_staff=True)
    certificate_revoke(certificate_id=revoked.pk, actor=official, reason="骗取登记")
    tampered = factories.certificate()
    tampered.fields = {**tampered.fields, "name": "冒名顶替"}
    tampered.save(update_fields=["fields"])
    foreign = factories.certificate()
    answers = {
        name: _post(client, headers, {"token": token}).json()
        for name, token in {
            "revoked": revoked.token,
            "tampered": tampered.token,
            "unknown_key": f"{foreign.number}.0123456789abcdef.{foreign.signature}",
        }.items()
    }
    assert {name: answer["outcome"] for name, answer in answers.items()} == {
        "revoked": "revoked",
        "tampered": "tampered",
        "unknown_key": "unknown_key",
    }
    assert answers["revoked"]["message"] == "已吊销"
    assert answers["tampered"]["message"] == "内容被篡改"


def test_the_api_verifies_an_uploaded_pdf_and_refuses_a_changed_one(client):
    headers = _partner(client, "certificates:verify")
    certificate = certificate_pdf(certificate_id=factories.certificate().pk)
    with certificate.pdf.open("rb") as handle:
        pdf = handle.read()
    good = client.post(URL, {"file": SimpleUploadedFile("c.pdf", pdf, "application/pdf")}, **headers)
    assert good.status_code == 200 and good.json()["outcome"] == "valid"
    index = pdf.index(b"/Title")
    changed = pdf[:index] + b"/Titlf" + pdf[index + 6 :]
    bad = client.post(URL, {"file": SimpleUploadedFile("c.pdf", changed, "application/pdf")}, **headers)
    assert bad.status_code == 200 and bad.json()["outcome"] == "tampered"


def test_a_file_that_is_not_a_certificate_pdf_is_a_clear_400(client):
    headers = _partner(client, "certificates:verify")
    response = client.post(
        URL, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 nonsense", "application/pdf")}, **headers
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_a_certificate_pdf"
    neither = _post(client, headers, {})
    assert neither.status_code == 400 and neither.json()["code"] == "token_or_file"


def test_a_token_without_the_verify_scope_is_refused(client):
    certificate = factories.certificate()
    headers = _partner(client, "catalogue:read")
    response = _post(client, headers, {"token": certificate.token})
    assert response.status_code == 403
    assert not UseLog.objects.exists()


def test_the_public_page_from_the_qr_code_shows_validity_and_public_fields_only(client):
    certificate = factories.certificate()
    page = client.get(reverse("certificates:verify", args=[certificate.token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-outcome="valid"' in html
    assert certificate.holder_name in html and "广州市公安局" in html
    assert "广州市天河区体育西路1号" not in html
    forged = client.get(reverse("certificates:verify", args=[certificate.token[:-4] + "AAAA"]))
    assert 'data-outcome="forged"' in forged.content.decode()


def test_a_file_over_the_upload_limit_is_refused_with_413(client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    headers = _partner(client, "certificates:verify")
    response = client.post(URL, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000)}, **headers)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_replayed_verify_logs_one_use_and_two_partners_with_one_key_do_not_meet(client):
    permit = factories.certificate()
    body = {"token": permit.token, "purpose": "酒店入住", "use": UseKind.HOTEL_CHECK_IN}
    partners = []
    for client_id in ("hotel-one", "hotel-two"):
        application = make_backend_application(client_id=client_id, scopes=["certificates:verify"])
        token = client_credentials_token(client, application, scope="certificates:verify").json()["access_token"]
        partners.append({"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "check-in-1"})
    one, two = partners

    first = _post(client, one, body)
    replay = _post(client, one, body)
    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content and replay["Idempotent-Replayed"] == "true"
    assert UseLog.objects.filter(certificate=permit).count() == 1

    # Another partner's request with the same key is its own: it runs, and is logged.
    other = _post(client, two, body)
    assert other.status_code == 200 and "Idempotent-Replayed" not in other
    assert UseLog.objects.filter(certificate=permit).count() == 2
    # A client-credentials token has no user: the key belongs to the client alone.
    assert _post(client, one, {**body, "purpose": "会议签到"}).json()["code"] == "idempotency_key_reused"
