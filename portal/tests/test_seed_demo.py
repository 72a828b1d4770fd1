from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_accounts():
    first = StringIO()
    call_command("seed_demo", stdout=first)
    users_after_first = get_user_model().objects.count()
    call_command("seed_demo", stdout=StringIO())

    assert get_user_model().objects.count() == users_after_first
    assert "admin / tongban-admin" in first.getvalue()
    assert "13800138000 / tongban-demo" in first.getvalue()
    assert authenticate(RequestFactory().post("/"), username="admin", password="tongban-admin") is not None
