"""The receipt PDF embeds a CJK font and carries a QR check; the check page needs the keyed code."""

import io
import re

import pytest
from django.urls import reverse

from payments.contrib.sandbox import services as sandbox
from payments.receipts import check_code
from payments.services import order_events_relay

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order

pytestmark = pytest.mark.django_db


def _embedded_fonts(pdf: bytes) -> list[str]:
    """Names of the fonts whose program is embedded (FontFile, FontFile2 or FontFile3)."""
    from pypdf import PdfReader

    names = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for candidate in [font, *[f.get_object() for f in font.get("/DescendantFonts", [])]]:
                descriptor = candidate.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.append(str(candidate["/BaseFont"]))
    return names


@pytest.fixture
def paid_order(client):
    order = passport_order()
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))
    order_events_relay()
    order.refresh_from_db()
    return order


def test_receipt_pdf_embeds_a_cjk_font(client, paid_order):
    client.force_login(paid_order.user)

    response = client.get(reverse("payments:receipt_pdf", args=[paid_order.out_trade_no]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    fonts = _embedded_fonts(response.content)
    # The font program itself is in the file (a subset, named ABCDEF+…), not just a name.
    assert any(re.match(r"^/[A-Z]{6}\+Noto-?(Serif|Sans)-?CJK", name) for name in fonts), fonts


def test_receipt_check_needs_the_keyed_code(client, paid_order):
    number = paid_order.receipt.number
    url = reverse("payments-receipts:check", args=[number])

    valid = client.get(url, {"c": check_code(number)})
    forged = client.get(url, {"c": "0" * 16})

    assert valid.status_code == 200
    assert "票据真实有效" in valid.content.decode()
    assert forged.status_code == 404
    assert paid_order.amount_yuan not in forged.content.decode()


def test_someone_elses_receipt_pdf_is_not_found(client, paid_order):
    from identity.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("payments:receipt_pdf", args=[paid_order.out_trade_no])).status_code == 404
