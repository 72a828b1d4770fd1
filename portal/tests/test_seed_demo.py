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


@pytest.mark.django_db
def test_seed_demo_twice_then_two_new_residents_register_and_verify(django_capture_on_commit_callbacks):
    import re

    from django.core.cache import cache
    from django.test import Client

    from common import sms

    call_command("seed_demo", stdout=StringIO())
    second = StringIO()
    call_command("seed_demo", stdout=second)
    printed = second.getvalue()

    # Sandbox data is printed plainly: the demo enterprise's USCC in full, and several identities.
    assert "91350100M000100Y43" in printed
    identities_line = next(line for line in printed.splitlines() if "sandbox identities" in line)
    identities = re.findall(r"([\u4e00-\u9fff]{2}) (\d{17}[\dX])", identities_line)
    assert len(identities) >= 2

    users = get_user_model()
    for mobile, (name, id_number) in zip(("13912340001", "13912340002"), identities, strict=False):
        cache.clear()  # the SMS rate limit is per client address, and both come from the test client
        sms.outbox.clear()
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/account/sms-code/", {"mobile": mobile, "purpose": "register"})
        code = sms.outbox[-1].params["code"]
        password = "a-long-pass-phrase"
        registered = client.post(
            "/account/register/", {"mobile": mobile, "sms_code": code, "password1": password, "password2": password}
        )
        assert registered.status_code == 302, registered.content.decode()[:2000]
        verified = client.post("/account/verify/", {"name": name, "id_number": id_number})
        assert verified.status_code == 302, verified.content.decode()[:3000]
        user = users.objects.get(mobile=mobile)
        assert user.is_real_name_verified
        assert user.real_name == name


def test_seed_demo_quiets_task_and_pdf_logging_while_it_runs_and_restores_it():
    import logging

    from portal.management.commands.seed_demo import QUIET_LOGGERS, quiet_logging

    celery, weasyprint = logging.getLogger("celery"), logging.getLogger("weasyprint")
    before = (celery.level, weasyprint.level)
    with quiet_logging(QUIET_LOGGERS):
        assert not celery.isEnabledFor(logging.INFO)
        assert not weasyprint.isEnabledFor(logging.INFO)
        assert celery.isEnabledFor(logging.WARNING)
    assert (celery.level, weasyprint.level) == before
