"""The identity factories make data the way the real services store it."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.constants import AssuranceLevel
from identity.models import User
from identity.personal_data import id_number_digest, mask_id_number
from identity.validators import is_valid_id_number

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_two_verified_users_get_different_valid_id_numbers_stored_like_real_name_verification():
    first, second = UserFactory(verified=True), UserFactory(verified=True)

    assert first.id_number != second.id_number
    for user in (first, second):
        stored = User.objects.get(pk=user.pk)
        assert is_valid_id_number(stored.id_number)
        assert stored.id_number_digest == id_number_digest(stored.id_number)
        assert stored.id_number_masked == mask_id_number(stored.id_number)
        assert stored.real_name
        assert stored.assurance_level == AssuranceLevel.L2
        assert stored.verified_at is not None
    # Both can be found through the blind index, each as itself.
    assert User.objects.get(id_number_digest=id_number_digest(second.id_number)) == second


def test_a_chosen_id_number_is_stored_the_same_way():
    user = UserFactory(verified=True, id_number="11010519491231002X", real_name="王小明")
    assert (user.real_name, user.id_number_masked) == ("王小明", "1101**********002X")
    assert User.objects.get(id_number_digest=id_number_digest("11010519491231002X")) == user


def test_with_totp_gives_a_confirmed_device_and_official_a_staff_account():
    official = UserFactory(official=True, with_totp=True)
    assert official.is_staff and official.mobile is None
    assert TOTPDevice.objects.get(user=official).confirmed
    assert not TOTPDevice.objects.filter(user=UserFactory()).exists()
