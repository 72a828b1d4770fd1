"""Bad input gets a clear 400 (or 409 for a race), never a 500, and writes nothing."""

import threading

import pytest
from django.db import connections
from django.test import Client

from applications import services
from applications.models import Application, Transition
from common.testing.files import pdf_upload
from identity.tests.factories import UserFactory
from services import demo as services_demo
from services.models import Material


def _ready_draft(applicant, code="440100-GA-007"):
    draft = services.application_start(applicant=applicant, item_code=code)
    services.application_save_draft(application=draft, data={**draft.form_data, "address": "广州"}, actor=applicant)
    for requirement in Material.objects.filter(version=draft.service_version, mandatory=True):
        services.material_add_upload(application=draft, requirement=requirement, uploaded=pdf_upload(), actor=applicant)
    return draft


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_submits_of_one_draft_make_one_transition_and_no_500():
    services_demo.seed()
    resident = UserFactory(verified=True)
    draft = _ready_draft(resident)
    barrier = threading.Barrier(20)
    statuses = []
    bodies = []

    def submit():
        client = Client(raise_request_exception=False)
        client.force_login(resident)
        barrier.wait()
        try:
            response = client.post(f"/api/v1/applications/drafts/{draft.pk}/submit/")
            statuses.append(response.status_code)
            bodies.append(response)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 500 not in statuses
    assert sorted(statuses) == [200] + [409] * 19
    for response in bodies:
        if response.status_code == 409:
            assert response["Content-Type"] == "application/problem+json"
    assert Transition.objects.filter(application=draft).count() == 1
    assert Application.objects.get(pk=draft.pk).status == "submitted"


def _png_header_bomb(width: int, height: int) -> bytes:
    """A real 1-bit PNG of ``width``×``height`` zero pixels: tens of kilobytes, billions of pixels decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def resident_draft(db, settings, tmp_path):
    from applications.tests.factories import private_media_root, published_item, resident

    with private_media_root(settings, tmp_path / "private"):
        item = published_item()
        user = resident()
        yield user, services.application_start(applicant=user, item_code=item.code), tmp_path / "private"


def test_a_decompression_bomb_png_is_refused_with_400_and_nothing_stored(client, resident_draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.models import SubmittedMaterial

    user, draft, root = resident_draft
    client.force_login(user)
    bomb = SimpleUploadedFile("照片.png", _png_header_bomb(20000, 20000), "image/png")
    requirement = draft.service_version.materials.get()

    response = client.post(
        f"/api/v1/applications/drafts/{draft.pk}/materials/", {"requirement": requirement.pk, "file": bomb}
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "image_too_large"
    assert not SubmittedMaterial.objects.exists()
    assert not root.exists() or not any(path.is_file() for path in root.rglob("*"))


def test_an_image_just_over_the_pixel_limit_is_refused(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.uploads import check_upload
    from common.exceptions import ApplicationError

    settings.UPLOAD_MAX_IMAGE_PIXELS = 100 * 100
    with pytest.raises(ApplicationError) as refused:
        check_upload(SimpleUploadedFile("a.png", _png_header_bomb(101, 100), "image/png"))
    assert refused.value.code == "image_too_large"
    assert check_upload(SimpleUploadedFile("a.png", _png_header_bomb(100, 100), "image/png")).content


def test_json_nested_100000_deep_is_a_problem_json_400_and_writes_nothing(client, resident_draft):
    user, draft, _root = resident_draft
    client.force_login(user)
    before = draft.form_data
    body = '{"data": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"

    response = client.patch(f"/api/v1/applications/drafts/{draft.pk}/", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "json_too_deep"
    draft.refresh_from_db()
    assert draft.form_data == before


@pytest.mark.parametrize(
    "body",
    ['{"data": {"addr\\u0000ess": "x"}}', '{"data": {"address": "广州\\u0000"}}', '{"data": {"a": ["\\u0000"]}}'],
    ids=["key", "value", "nested"],
)
def test_a_nul_character_in_api_json_is_a_problem_json_400_and_writes_nothing(client, resident_draft, body):
    user, draft, _root = resident_draft
    client.force_login(user)
    before = draft.form_data

    response = client.patch(f"/api/v1/applications/drafts/{draft.pk}/", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "nul_character"
    draft.refresh_from_db()
    assert draft.form_data == before


def test_a_nul_character_in_a_form_value_is_a_clear_400_page_and_writes_nothing(client, resident_draft):
    user, draft, _root = resident_draft
    client.force_login(user)
    before = draft.form_data

    response = client.post(f"/applications/drafts/{draft.pk}/", {"address": "广州\x00", "action": "save"})

    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    draft.refresh_from_db()
    assert draft.form_data == before
