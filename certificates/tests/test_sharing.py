"""Consented sharing (授权用证): the annotated copy, the use log, and withdrawal."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.constants import UseKind
from certificates.models import Share, UseLog
from certificates.services import share_create

from . import factories

pytestmark = pytest.mark.django_db


def _share(certificate, **kwargs):
    return share_create(
        certificate=certificate,
        actor=certificate.holder_user,
        recipient=kwargs.get("recipient", "招商银行天河支行"),
        purpose=kwargs.get("purpose", "办理信用卡"),
        valid_until=timezone.now() + datetime.timedelta(days=kwargs.get("days", 7)),
    )


def test_the_holder_shares_from_the_wallet_and_the_recipient_sees_the_annotated_copy(client):
    certificate = factories.certificate()
    client.force_login(certificate.holder_user)
    response = client.post(
        reverse("certificates:share", args=[certificate.uuid]),
        {"recipient": "招商银行天河支行", "purpose": "办理信用卡", "days": 7},
    )
    assert response.status_code == 302
    share = Share.objects.get(certificate=certificate)
    client.logout()
    page = client.get(reverse("certificates:shared", args=[share.token]))
    assert page.status_code == 200
    stamp = page.content.decode()
    assert "仅供招商银行天河支行用于办理信用卡" in stamp


def test_the_annotated_copy_pdf_carries_purpose_recipient_and_time(client):
    certificate = factories.certificate()
    share = _share(certificate)
    response = client.get(reverse("certificates:shared", args=[share.token]), {"format": "pdf"})
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text().replace("\n", "")
    assert "招商银行天河支行" in text and "办理信用卡" in text
    assert f"{timezone.localtime(share.valid_until):%Y-%m-%d %H:%M}" in text


def test_withdrawn_consent_blocks_the_recipient_at_once(client):
    certificate = factories.certificate()
    share = _share(certificate)
    url = reverse("certificates:shared", args=[share.token])
    assert client.get(url).status_code == 200
    holder = client  # the share page is public: the same client acts as holder, then recipient
    holder.force_login(certificate.holder_user)
    response = holder.post(reverse("certificates:withdraw", args=[certificate.uuid, share.pk]))
    assert response.status_code == 302
    holder.logout()
    refused = client.get(url)
    assert refused.status_code == 410
    assert "撤回" in refused.content.decode()
    assert client.get(url, {"format": "pdf"}).status_code == 410


def test_a_share_past_its_window_is_refused(client):
    certificate = factories.certificate()
    share = _share(certificate)
    Share.objects.filter(pk=share.pk).update(valid_until=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("certificates:shared", args=[share.token])).status_code == 410


def test_the_holder_sees_every_use_and_refusal_in_the_log(client):
    certificate = factories.certificate()
    share = _share(certificate)
    client.get(reverse("certificates:shared", args=[share.token]))
    Share.objects.filter(pk=share.pk).update(withdrawn_at=timezone.now())
    client.get(reverse("certificates:shared", args=[share.token]))
    kinds = list(UseLog.objects.filter(certificate=certificate).order_by("pk").values_list("kind", flat=True))
    assert kinds == [UseKind.SHARE_OPENED, UseKind.SHARE_REFUSED]
    client.force_login(certificate.holder_user)
    page = client.get(reverse("certificates:detail", args=[certificate.uuid])).content.decode()
    assert page.count('data-testid="use"') == 2 and "招商银行天河支行" in page


def test_another_user_cannot_see_or_withdraw_someone_elses_certificate(client):
    certificate = factories.certificate()
    share = _share(certificate)
    client.force_login(factories.resident())
    assert client.get(reverse("certificates:detail", args=[certificate.uuid])).status_code == 404
    assert client.post(reverse("certificates:withdraw", args=[certificate.uuid, share.pk])).status_code == 404
    share.refresh_from_db()
    assert share.withdrawn_at is None


def test_a_share_window_longer_than_allowed_is_refused(client):
    certificate = factories.certificate()
    client.force_login(certificate.holder_user)
    client.post(
        reverse("certificates:share", args=[certificate.uuid]), {"recipient": "某公司", "purpose": "入职", "days": 365}
    )
    assert not Share.objects.filter(certificate=certificate).exists()


def test_the_holder_downloads_the_signed_pdf_and_the_download_stores_nothing(client):
    certificate = factories.certificate()
    client.force_login(certificate.holder_user)
    response = client.get(reverse("certificates:pdf", args=[certificate.uuid]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    certificate.refresh_from_db()
    assert not certificate.pdf


def _partner_headers(client, *, client_id: str, name: str) -> dict:
    from identity.tests.oauth_helpers import client_credentials_token, make_backend_application

    application = make_backend_application(client_id=client_id, scopes=["certificates:verify"])
    application.name = name
    application.save(update_fields=["name"])
    response = client_credentials_token(client, application, scope="certificates:verify")
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def test_a_share_with_a_partner_opens_for_that_partner_only_and_stops_when_withdrawn(client):
    bank = _partner_headers(client, client_id="bank", name="招商银行")
    other = _partner_headers(client, client_id="other", name="某租房平台")
    certificate = factories.certificate()
    client.force_login(certificate.holder_user)
    page = client.get(reverse("certificates:detail", args=[certificate.uuid])).content.decode()
    assert '<option value="bank">招商银行</option>' in page
    client.post(
        reverse("certificates:share", args=[certificate.uuid]), {"partner": "bank", "purpose": "开立账户", "days": 3}
    )
    share = Share.objects.get(certificate=certificate)
    assert (share.recipient_kind, share.recipient, share.recipient_client_id) == ("partner", "招商银行", "bank")
    client.logout()
    url = "/api/v1/certificates/shared/"
    answer = client.post(url, {"token": share.token}, content_type="application/json", **bank)
    assert answer.status_code == 200
    body = answer.json()
    assert body["annotation"]["recipient"] == "招商银行" and body["annotation"]["purpose"] == "开立账户"
    assert {"key": "address", "label": "居住地址", "value": "广州市天河区体育西路1号"} in body["fields"]
    assert client.post(url, {"token": share.token}, content_type="application/json", **other).status_code == 404
    assert client.get(reverse("certificates:shared", args=[share.token])).status_code == 404  # not a link share
    Share.objects.filter(pk=share.pk).update(withdrawn_at=timezone.now())
    refused = client.post(url, {"token": share.token}, content_type="application/json", **bank)
    assert refused.status_code == 410 and refused["Content-Type"] == "application/problem+json"


def test_the_holder_chooses_which_fields_the_public_page_shows(client):
    certificate = factories.certificate()
    client.force_login(certificate.holder_user)
    client.post(reverse("certificates:public_fields", args=[certificate.uuid]), {"public": ["address", "bogus"]})
    certificate.refresh_from_db()
    assert certificate.public_fields == ["address"]
    client.logout()
    html = client.get(reverse("certificates:verify", args=[certificate.token])).content.decode()
    assert "广州市天河区体育西路1号" in html and "广州市公安局" not in html
    stranger = factories.resident()
    client.force_login(stranger)
    response = client.post(reverse("certificates:public_fields", args=[certificate.uuid]), {"public": ["id_number"]})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.public_fields == ["address"]
