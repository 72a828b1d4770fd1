import io
import logging

import pytest
import structlog

from common.logging import MaskingProcessorFormatter, PersonalDataFilter
from common.masking import mask_personal_data

ID_NUMBER = "11010519491231002X"
MOBILE = "13800138000"
BANK_CARD = "6222021234567890128"  # Luhn-valid


@pytest.fixture
def captured_log():
    """A handler with the project's formatter on the root logger, as LOGGING configures it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingProcessorFormatter(renderer="json"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


def test_stdlib_log_line_masks_id_number_mobile_and_bank_card(captured_log):
    logging.getLogger("django.request").info(
        "resident %s phoned from %s and paid with %s", ID_NUMBER, MOBILE, BANK_CARD
    )

    line = captured_log.getvalue()
    assert ID_NUMBER not in line
    assert MOBILE not in line
    assert BANK_CARD not in line
    assert "1101**********002X" in line
    assert "138****8000" in line
    assert "***************0128" in line


def test_structlog_event_fields_are_masked(captured_log):
    structlog.get_logger("identity").info("verification_requested", id_number=ID_NUMBER, mobile=MOBILE)

    line = captured_log.getvalue()
    assert "verification_requested" in line
    assert ID_NUMBER not in line
    assert MOBILE not in line
    assert "1101**********002X" in line


def test_traceback_text_is_masked(captured_log):
    try:
        raise ValueError(f"no resident with id {ID_NUMBER}")
    except ValueError:
        logging.getLogger("tongban").exception("lookup failed")

    line = captured_log.getvalue()
    assert "ValueError" in line
    assert ID_NUMBER not in line


def test_lowercase_check_character_and_grouped_card_are_masked():
    text = "id 11010519491231002x card 6222 0212 3456 7894"
    masked = mask_personal_data(text)
    assert masked == "id 1101**********002x card ************7894"


def test_ordinary_numbers_are_left_alone():
    text = "order 20261128 took 1500 ms, case SCJG-20261128-000123, year 2026"
    assert mask_personal_data(text) == text


def test_filter_masks_records_for_foreign_handlers():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call %s", (MOBILE,), None)
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "call 138****8000"


def test_timings_with_many_decimals_are_left_alone():
    # 18 and 16 digits after the point: neither an ID number nor a card, whatever their checksums.
    text = "request took 0.123456789018822s, query 0.1101051949123100200s, 1.6222021234567894 ms"
    assert mask_personal_data(text) == text


def test_eighteen_digits_with_a_wrong_check_character_are_not_an_id_number():
    wrong = "110105194912310021"  # the valid check character is X
    assert mask_personal_data(f"trace {wrong}") == f"trace {wrong}"
    assert mask_personal_data("trace 11010519491231002X") == "trace 1101**********002X"


def test_long_numbers_failing_luhn_are_not_card_numbers():
    for number in ("6222021234567890123", "1234567890123", "6222 0212 3456 7890"):
        assert mask_personal_data(f"ref {number}") == f"ref {number}"
    for number in ("6222021234567890128", "4111111111111111", "6222 0212 3456 7894"):
        assert number not in mask_personal_data(f"ref {number}")


def test_mobile_inside_a_longer_digit_run_is_not_masked():
    text = "serial 2138001380002 and 13800138000123"
    assert mask_personal_data(text) == text
    assert mask_personal_data("call +86 13800138000 or 8613900139000") == "call +86 138****8000 or 86139****9000"


def test_mobile_in_a_query_string_is_masked():
    assert mask_personal_data("GET /x/?mobile=13800138000&id=11010519491231002X") == (
        "GET /x/?mobile=138****8000&id=1101**********002X"
    )


def test_identifiers_inside_hex_tokens_are_left_alone():
    text = "digest a11010519491231002Xb c4111111111111111d"
    assert mask_personal_data(text) == text
