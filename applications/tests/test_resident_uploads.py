"""Uploads through the apply page: each bad file is refused with a message and nothing is stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from applications.constants import Status
from applications.models import SubmittedMaterial
from applications.services import application_start, material_add_upload
from applications.tests.factories import pdf_bytes, pdf_upload, private_media_root, published_item, resident
from common.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings, tmp_path):
    with private_media_root(settings, tmp_path / "private") as root:
        yield root


@pytest.fixture
def draft(client, private_root):
    item = published_item()
    user = resident()
    client.force_login(user)
    return application_start(applicant=user, item_code=item.code)


def _files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _upload(client, draft, uploaded):
    requirement = draft.service_version.materials.get()
    return client.post(
        reverse("applications:material_upload", kwargs={"draft_id": draft.pk}),
        {"requirement": requirement.pk, "file": uploaded},
    )


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def _assert_refused(response, private_root, message: str) -> None:
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html  # the message is tied to the file input
    assert not SubmittedMaterial.objects.exists()
    assert _files(private_root) == []


def test_a_pdf_that_is_really_text_is_refused(client, draft, private_root):
    fake = SimpleUploadedFile("证明.pdf", b"just some text pretending to be a PDF\n" * 10, "application/pdf")
    _assert_refused(_upload(client, draft, fake), private_root, "只接受PDF、PNG或JPEG文件")


def test_an_html_png_polyglot_is_refused(client, draft, private_root):
    polyglot = _png_bytes() + b"<html><script>alert(document.cookie)</script></html>"
    upload = SimpleUploadedFile("照片.png", polyglot, "image/png")
    _assert_refused(_upload(client, draft, upload), private_root, "文件中含有网页代码")


def test_an_oversized_file_is_refused(client, draft, private_root, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024)
    _assert_refused(
        _upload(client, draft, SimpleUploadedFile("大文件.pdf", big, "application/pdf")),
        private_root,
        "文件过大：单个文件不能超过1 MB",
    )


class RawNamedUpload(io.BytesIO):
    """An upload whose name arrives exactly as sent (Django's UploadedFile would take its basename)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def test_a_path_in_the_file_name_is_refused_with_nothing_stored(draft, private_root):
    with pytest.raises(ApplicationError) as refused:
        material_add_upload(
            application=draft,
            requirement=draft.service_version.materials.get(),
            uploaded=RawNamedUpload("../evil.pdf", pdf_bytes()),
            actor=draft.applicant,
        )
    assert "文件名无效" in str(refused.value.message)
    assert not SubmittedMaterial.objects.exists()
    assert _files(private_root) == []


def test_a_path_sent_to_the_page_never_reaches_the_disk_as_a_path(client, draft, private_root):
    """Django's multipart parser already cuts ``../`` from the name before our code runs: whatever
    arrives is kept as data only, and the file lands under a generated name inside the private root."""
    body = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="requirement"\r\n\r\n'
        + str(draft.service_version.materials.get().pk).encode()
        + b"\r\n--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="file"; filename="../evil.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + pdf_bytes() + b"\r\n--BOUNDARY--\r\n"
    )
    client.post(
        reverse("applications:material_upload", kwargs={"draft_id": draft.pk}),
        data=body,
        content_type="multipart/form-data; boundary=BOUNDARY",
    )
    material = SubmittedMaterial.objects.get()
    assert material.original_name == "evil.pdf"
    assert "evil" not in material.file.name
    assert all(private_root in path.parents for path in _files(private_root))
    assert not (private_root.parent / "evil.pdf").exists()


def test_a_request_without_a_file_is_refused(client, draft, private_root):
    requirement = draft.service_version.materials.get()
    response = client.post(
        reverse("applications:material_upload", kwargs={"draft_id": draft.pk}), {"requirement": requirement.pk}
    )
    _assert_refused(response, private_root, "请选择要上传的文件")


def test_a_valid_pdf_is_stored_under_a_generated_name(client, draft, private_root):
    response = _upload(client, draft, pdf_upload("营业执照 副本.pdf"))
    assert response.status_code == 302
    material = SubmittedMaterial.objects.get()
    assert material.original_name == "营业执照 副本.pdf"
    assert "营业执照" not in material.file.name
    assert _files(private_root) == [private_root / material.file.name]
    page = client.get(reverse("applications:draft", kwargs={"draft_id": draft.pk})).content.decode()
    assert "营业执照 副本.pdf" in page
    download = client.get(
        reverse("applications:draft_material_download", kwargs={"draft_id": draft.pk, "material_id": material.pk})
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_someone_else_can_not_upload_to_a_draft(client, draft, private_root):
    client.force_login(resident())
    response = _upload(client, draft, pdf_upload())
    assert response.status_code == 404
    assert not SubmittedMaterial.objects.exists()
    assert _files(private_root) == []
    assert draft.status == Status.DRAFT
