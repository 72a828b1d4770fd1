"""The model backend that loads the signed-in user on every request (identity/backends.py)."""

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.backends import MODEL_BACKEND, ModelBackend
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_request_loads_its_user_in_one_query(client):
    user = UserFactory()
    client.force_login(user, backend=MODEL_BACKEND)
    request = client.get("/my/applications/").wsgi_request
    assert request.user.pk == user.pk
    assert request.session["_auth_user_backend"] == MODEL_BACKEND
    with CaptureQueriesContext(connection) as queries:
        assert ModelBackend().get_user(str(user.pk)) == user
    assert len(queries) == 1
    assert 'FROM "identity_user"' in queries[0]["sql"]


def test_the_user_read_is_the_whole_row_as_djangos_backend_reads_it():
    user = UserFactory(display_name="张三")
    loaded = ModelBackend().get_user(user.pk)
    for field in type(user)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(user, field.attname), field.name
    assert not loaded.get_deferred_fields()


@pytest.mark.parametrize("user_id", ["", "abc", None, "1.5", "-1", "999999999"])
def test_a_session_naming_no_user_is_nobody(user_id):
    assert ModelBackend().get_user(user_id) is None


def test_an_inactive_user_is_signed_out(client):
    user = UserFactory()
    client.force_login(user, backend=MODEL_BACKEND)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert ModelBackend().get_user(user.pk) is None
    request = client.get("/my/applications/").wsgi_request
    assert not get_user(request).is_authenticated


def test_a_changed_password_ends_the_other_sessions(client):
    user = UserFactory()
    client.force_login(user, backend=MODEL_BACKEND)
    user.set_password("another-password-2026")
    user.save()
    response = client.get("/my/applications/")
    assert response.status_code == 302 and "/login/" in response["Location"]
