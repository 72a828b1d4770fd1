"""Look-alike digits: full-width (１２３) and Arabic-Indic (١٢٣) digits in ID
numbers, USCCs and mobile numbers are folded to ASCII before any checksum or
blind index, so one number cannot be bound twice under two spellings."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from common import sms
from common.crypto import blind_index
from common.exceptions import ApplicationError
from identity.models import User
from identity.personal_data import id_number_digest, uscc_digest
from identity.services.verification import real_name_verify
from identity.validators import normalize_id_number, normalize_mobile, normalize_uscc

from .factories import UserFactory, sandbox_identity

NAME, ID_NUMBER = "王小明", "11010519800808777X"
USCC = "91350100M000100Y43"
MOBILE = "13912348888"

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def full_width(value: str) -> str:
    return value.translate(_FULL_WIDTH)


def arabic_indic(value: str) -> str:
    return value.translate(_ARABIC_INDIC)


@pytest.mark.parametrize("spelling", [full_width, arabic_indic], ids=["full-width", "arabic-indic"])
def test_look_alike_digits_normalise_to_the_ascii_identifier(spelling):
    assert normalize_id_number(spelling(ID_NUMBER)) == ID_NUMBER
    assert normalize_uscc(spelling(USCC)) == USCC
    assert normalize_mobile(spelling(MOBILE)) == MOBILE
    assert normalize_mobile("＋８６ " + full_width(MOBILE)) == MOBILE


@pytest.mark.parametrize("spelling", [full_width, arabic_indic], ids=["full-width", "arabic-indic"])
def test_look_alike_digits_hit_the_same_blind_index(spelling):
    assert id_number_digest(spelling(ID_NUMBER)) == id_number_digest(ID_NUMBER)
    assert uscc_digest(spelling(USCC)) == uscc_digest(USCC)


def test_other_non_ascii_characters_are_refused():
    cyrillic_x = ID_NUMBER[:17] + "\u0425"  # Х, CYRILLIC CAPITAL LETTER HA
    with pytest.raises(ValidationError):
        normalize_id_number(cyrillic_x)
    with pytest.raises(ValidationError):
        normalize_uscc(USCC[:9] + "\u041c" + USCC[10:])  # Cyrillic М
    with pytest.raises(ValidationError):
        normalize_mobile(MOBILE[:10] + "\u0661\u0300")


@pytest.mark.parametrize("spelling", [full_width, arabic_indic], ids=["full-width", "arabic-indic"])
def test_blind_index_itself_folds_look_alike_digits(spelling):
    """A second line behind the validators: a caller that forgets to normalise
    still gets the one index of the number."""
    assert blind_index(spelling(ID_NUMBER), purpose="id_number") == blind_index(ID_NUMBER, purpose="id_number")
    assert blind_index("张三", purpose="name") != blind_index("张四", purpose="name")


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", [full_width, arabic_indic], ids=["full-width", "arabic-indic"])
def test_a_number_bound_in_ascii_cannot_be_bound_again_with_look_alike_digits(spelling):
    sandbox_identity(NAME, ID_NUMBER)
    first = real_name_verify(user=UserFactory(), name=NAME, id_number=ID_NUMBER)
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=UserFactory(), name=NAME, id_number=spelling(ID_NUMBER))
    assert refused.value.code == "id_number_bound"
    assert User.objects.filter(id_number_digest=first.id_number_digest).count() == 1


@pytest.mark.django_db
def test_verifying_with_full_width_digits_stores_the_ascii_number(client):
    sandbox_identity(NAME, ID_NUMBER)
    user = UserFactory()
    client.force_login(user)
    client.post("/account/verify/", {"name": NAME, "id_number": full_width(ID_NUMBER)})
    user.refresh_from_db()
    assert user.id_number == ID_NUMBER
    assert user.id_number_digest == id_number_digest(ID_NUMBER)


@pytest.mark.django_db
def test_registering_a_mobile_twice_with_full_width_digits_makes_no_second_account(
    client, django_capture_on_commit_callbacks
):
    cache.clear()
    sms.outbox.clear()
    password = "a-long-pass-phrase"
    answers = []
    for spelling in (MOBILE, full_width(MOBILE)):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/account/sms-code/", {"mobile": spelling, "purpose": "register"})
        code = sms.outbox[-1].params["code"]
        form = {"mobile": spelling, "sms_code": code, "password1": password, "password2": password}
        answers.append(client.post("/account/register/", form))
        client.logout()
        cache.clear()  # the per-number send limit is not what this test checks
    assert answers[0].status_code == 302
    assert answers[1].status_code == 400
    assert User.objects.count() == 1
    assert User.objects.get().mobile == MOBILE
    assert {message.mobile for message in sms.outbox} == {MOBILE}
