"""The certificate PDF: embedded CJK font, a QR code with the verification URL, signed content,
a PDF signature that breaks when the file is changed, and a cached, reproducible rendering."""

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from certificates.documents import (
    certificate_pdf,
    pdf_signature_intact,
    read_signed_content,
    render_pdf,
    verification_url,
)
from certificates.signing import certificate_payload

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered():
    certificate = certificate_pdf(certificate_id=factories.certificate().pk)
    with certificate.pdf.open("rb") as handle:
        return certificate, handle.read()


def _fonts(reader: PdfReader) -> list[dict]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found.append(
                {
                    "name": str(font["/BaseFont"]),
                    "embedded": any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")),
                }
            )
    return found


def test_the_pdf_renders_chinese_text_in_an_embedded_cjk_font(rendered):
    certificate, pdf = rendered
    reader = PdfReader(io.BytesIO(pdf))
    fonts = _fonts(reader)
    assert fonts and all(font["embedded"] for font in fonts)
    assert any("CJK" in font["name"] for font in fonts)
    text = reader.pages[0].extract_text()
    assert "电子证照编号" in text and "广州市天河区体育西路1号" in text and certificate.holder_name in text


def test_the_qr_code_decodes_to_the_verification_url(rendered):
    certificate, pdf = rendered
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    decoded = [result.text for image in images for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))]
    assert decoded == [verification_url(certificate)]
    assert decoded[0].endswith(f"/certificates/verify/{certificate.token}/")


def test_the_pdf_carries_the_signed_content_and_a_valid_pdf_signature(rendered):
    certificate, pdf = rendered
    document = read_signed_content(pdf)
    assert document == {
        "payload": certificate_payload(certificate),
        "kid": certificate.kid,
        "signature": certificate.signature,
    }
    assert pdf_signature_intact(pdf) is True


def test_a_changed_byte_in_the_pdf_breaks_its_signature(rendered):
    _certificate, pdf = rendered
    index = pdf.index(b"/Title")
    changed = pdf[:index] + b"/Titlf" + pdf[index + 6 :]
    assert pdf_signature_intact(changed) is False


def test_the_pdf_is_cached_and_rendering_again_gives_the_same_signed_content(rendered):
    certificate, pdf = rendered
    again = certificate_pdf(certificate_id=certificate.pk)
    assert again.pdf.name == certificate.pdf.name  # cached, not rendered again
    rerendered = render_pdf(again)
    assert read_signed_content(rerendered) == read_signed_content(pdf)
    assert (
        PdfReader(io.BytesIO(rerendered)).pages[0].extract_text() == PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    )


def test_the_celery_task_renders_once_and_caches_the_pdf():
    from certificates.tasks import certificate_render_pdf

    certificate = factories.certificate()
    first = certificate_render_pdf.apply(args=[certificate.pk]).get()
    certificate.refresh_from_db()
    assert first == certificate.pdf.name and certificate.pdf_sha256
    assert certificate_render_pdf.apply(args=[certificate.pk]).get() == first
    assert certificate_render_pdf.apply(args=[999999]).get() == ""
