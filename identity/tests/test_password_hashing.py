"""Passwords are hashed with Argon2id at OWASP's minimum parameters; older hashes are upgraded at sign-in.

The test settings hash with MD5 to keep the suite fast; these tests put the shared
settings' hashers back (production uses them, see config/tests/test_settings.py).
"""

import time

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from config.settings import base
from identity.hashers import Argon2idPasswordHasher

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/account/login/"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def _argon2_parameters(encoded: str):
    algorithm, phc = encoded.split("$", 1)
    assert algorithm == "argon2"
    return extract_parameters("$" + phc)


def test_a_sign_in_upgrades_an_older_hash_to_argon2id_with_owasp_minimum_parameters(client):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post(LOGIN, {"username": user.mobile, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    parameters = _argon2_parameters(user.password)
    assert parameters.type is Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)
    assert client.post(LOGIN, {"username": user.mobile, "password": PASSWORD}).status_code == 302


def test_a_hash_with_django_default_argon2_parameters_is_upgraded_too(client):
    user = UserFactory()
    user.password = "argon2" + PasswordHasher(memory_cost=102400, time_cost=2, parallelism=8).hash(PASSWORD)
    user.save(update_fields=["password"])

    assert client.post(LOGIN, {"username": user.mobile, "password": PASSWORD}).status_code == 302

    user.refresh_from_db()
    assert _argon2_parameters(user.password).memory_cost == 19 * 1024


def test_hashing_a_password_takes_well_under_a_second_of_cpu():
    started = time.process_time()
    encoded = make_password(PASSWORD)
    elapsed = time.process_time() - started
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert elapsed < 0.5, f"{elapsed:.3f} s of CPU per hash"


def test_the_argon2_algorithm_name_means_our_hasher_with_our_parameters():
    # Django looks hashers up by algorithm name, the last listed winning; a second
    # "argon2" hasher (Django's own, 100 MiB and 8 lanes) once shadowed ours there.
    encoded = make_password(PASSWORD, hasher="argon2")

    assert isinstance(identify_hasher(encoded), Argon2idPasswordHasher)
    parameters = _argon2_parameters(encoded)
    assert parameters.type is Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)


def test_a_hash_made_by_django_default_argon2_hasher_still_verifies():
    encoded = "argon2" + PasswordHasher(memory_cost=102400, time_cost=2, parallelism=8).hash(PASSWORD)

    assert check_password(PASSWORD, encoded)
    assert not check_password(PASSWORD + "x", encoded)
