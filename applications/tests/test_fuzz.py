"""Hypothesis drives the validators, the working-day calculator and the upload
checks: they raise nothing but their own validation errors."""

import datetime
import io

import pytest
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter

from applications.calendar import WorkingCalendar, add_working_days
from applications.uploads import check_upload
from common.exceptions import ApplicationError
from common.identifiers import (
    NonAsciiIdentifier,
    ascii_identifier,
    fold_digits,
    id_number_check_character,
    id_number_checksum_ok,
    luhn_ok,
    uscc_check_character,
)
from identity.validators import USCC_ALPHABET, normalize_id_number, normalize_uscc

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that looks like identifiers: digits (ASCII and full-width), X/x, letters, spaces, odd characters.
identifier_text = st.text(
    alphabet=st.sampled_from("0123456789Xx０１２３４５６７８９ＸABCDEFGHJKLMNPQRTUWY -\u00a0\x00é国٣"), max_size=24
) | st.text(max_size=24)


@FUZZ
@given(identifier_text)
def test_the_id_number_validator_raises_only_validation_errors(value):
    try:
        normalized = normalize_id_number(value)
    except ValidationError:
        return
    assert len(normalized) == 18 and id_number_checksum_ok(normalized)


@FUZZ
@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)),
    st.integers(min_value=110000, max_value=659999),
    st.integers(min_value=0, max_value=999),
)
def test_every_well_formed_id_number_is_accepted(birth, region, serial):
    first17 = f"{region:06d}{birth:%Y%m%d}{serial:03d}"
    assert normalize_id_number(first17 + id_number_check_character(first17).lower()) == (
        first17 + id_number_check_character(first17)
    )


@FUZZ
@given(identifier_text)
def test_the_uscc_validator_raises_only_validation_errors(value):
    try:
        normalized = normalize_uscc(value)
    except ValidationError:
        return
    assert len(normalized) == 18 and uscc_check_character(normalized[:17]) == normalized[17]


@FUZZ
@given(st.text(alphabet=st.sampled_from(USCC_ALPHABET), min_size=17, max_size=17))
def test_every_uscc_with_its_check_character_is_accepted(first17):
    code = first17 + uscc_check_character(first17)
    assert normalize_uscc(code.lower()) == code


@FUZZ
@given(st.text(max_size=40))
def test_the_identifier_helpers_raise_only_their_own_error(value):
    fold_digits(value)
    try:
        assert ascii_identifier(value).isascii()
    except NonAsciiIdentifier:
        assert not value.isascii()
    assert luhn_ok("".join(char for char in value if char in "0123456789")) in (True, False)


@pytest.fixture
def calendar(db):
    return WorkingCalendar(first_year=2020, last_year=2035)


@FUZZ
@given(
    start=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
)
def test_add_working_days_lands_on_a_working_day_exactly_that_many_working_days_later(calendar, start, days):
    deadline = add_working_days(start, days, calendar=calendar)
    assert deadline.date >= start
    assert calendar.working_days_between(start, deadline.date) == days
    if days:
        assert calendar.is_working_day(deadline.date)
    assert calendar.working_days_between(deadline.date, start) == -days


def _pdf() -> bytes:
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.write(buffer)
    return buffer.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


SEEDS = [_pdf(), _png()]


@st.composite
def mutated_files(draw):
    content = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(content) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            content[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "cut":
            del content[position : position + draw(st.integers(min_value=1, max_value=64))]
            if not content:
                break
        else:
            content[position:position] = draw(st.binary(max_size=32))
    return bytes(content)


@FUZZ
@given(content=mutated_files() | st.binary(max_size=2048), name=st.text(max_size=40))
def test_the_upload_checks_raise_only_their_own_errors(content, name):
    try:
        uploaded = SimpleUploadedFile(name or "x", content, "application/octet-stream")
    except SuspiciousFileOperation:
        assume(False)  # Django refuses such a name before any view sees it
    try:
        checked = check_upload(uploaded)
    except ApplicationError as exc:
        assert exc.status == 400
        return
    assert checked.content_type in {"application/pdf", "image/png", "image/jpeg"}


def test_a_png_cut_off_after_its_first_chunk_is_a_damaged_image_even_with_truncated_images_allowed(monkeypatch):
    # Found by the fuzz test above: WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole
    # process on import, and then Pillow's PNG check raised IndexError on a chunk with no type.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(image, format="PNG")
    with pytest.raises(ApplicationError) as refused:
        check_upload(SimpleUploadedFile("scan.png", image.getvalue()[:65], "image/png"))
    assert (refused.value.status, refused.value.code) == (400, "bad_image")
