import pytest

from identity.validators import is_valid_id_number, is_valid_uscc, normalize_id_number, normalize_uscc

STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid():
    assert normalize_id_number(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_lowercase_x_is_valid_and_normalised():
    assert normalize_id_number("11010519491231002x") == STANDARD_EXAMPLE


@pytest.mark.parametrize("position", range(17))
def test_any_changed_digit_is_invalid(position):
    digits = list(STANDARD_EXAMPLE)
    digits[position] = str((int(digits[position]) + 1) % 10)
    assert not is_valid_id_number("".join(digits))


def test_changed_check_character_is_invalid():
    assert not is_valid_id_number("110105194912310021")


def test_impossible_birth_date_is_invalid_even_with_right_checksum():
    from identity.validators import id_number_check_character

    first17 = "11010519990230001"  # 30 February 1999
    assert not is_valid_id_number(first17 + id_number_check_character(first17))


def test_fifteen_digit_numbers_are_refused():
    assert not is_valid_id_number("110105491231002")


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43", "914403001922038216"])
def test_known_usccs_are_valid(code):
    assert normalize_uscc(code) == code


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_usccs_with_forbidden_letters_are_invalid(letter):
    assert not is_valid_uscc("91350100M000100Y4" + letter)
    assert not is_valid_uscc(letter + "1350100M000100Y43")


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_usccs_starting_with_a_n_or_y_are_legal(authority):
    from identity.validators import uscc_check_character

    first17 = authority + "1110000600037341"
    assert is_valid_uscc(first17 + uscc_check_character(first17))


def test_uscc_with_wrong_check_character_is_invalid():
    assert not is_valid_uscc("91110000600037341M")
