import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from identity.models import UserSession

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
LOGIN = "/account/login/"


def _post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _without_csrf(html: str) -> str:
    """The page minus what legitimately differs: the CSRF token and the echoed username."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'name="username" value="[^"]*"', "", html)


def test_password_login_signs_in_and_rotates_the_session_id(client):
    user = UserFactory()
    client.get(LOGIN)
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key

    response = _post_login(client, user.mobile, PASSWORD)

    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(user.pk)
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()


def test_unknown_user_and_wrong_password_get_identical_answers(client):
    UserFactory(mobile="13912345678")
    wrong_password = _post_login(client, "13912345678", "not-the-password")
    unknown_user = _post_login(client, "13900000000", "not-the-password")

    assert wrong_password.status_code == unknown_user.status_code == 400
    assert _without_csrf(wrong_password.content.decode()) == _without_csrf(unknown_user.content.decode())
    assert "手机号码/用户名或密码错误。" in wrong_password.content.decode()


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    user = UserFactory()
    for _attempt in range(5):
        _post_login(client, user.mobile, "wrong-password")

    response = _post_login(client, user.mobile, PASSWORD)

    assert response.status_code == 429
    assert "该账户已锁定30分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_answer_is_the_same_for_unknown_users(client):
    user = UserFactory()
    for _attempt in range(5):
        _post_login(client, user.mobile, "wrong-password", REMOTE_ADDR="10.0.0.1")
        _post_login(client, "13911112222", "wrong-password", REMOTE_ADDR="10.0.0.2")

    known = _post_login(client, user.mobile, "wrong-password", REMOTE_ADDR="10.0.0.3")
    unknown = _post_login(client, "13911112222", "wrong-password", REMOTE_ADDR="10.0.0.4")
    assert known.status_code == unknown.status_code == 429
    assert _without_csrf(known.content.decode()) == _without_csrf(unknown.content.decode())


def test_spoofed_forwarded_for_does_not_reset_the_counter(client):
    user = UserFactory()
    for attempt in range(5):
        _post_login(client, user.mobile, "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")

    response = _post_login(client, user.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert response.status_code == 429


def test_lock_expires_after_thirty_minutes(client, settings):
    from axes.models import AccessAttempt

    user = UserFactory()
    for _attempt in range(5):
        _post_login(client, user.mobile, "wrong-password")
    assert _post_login(client, user.mobile, PASSWORD).status_code == 429

    # Age the failure records past the cool-off instead of sleeping 30 minutes.
    from datetime import timedelta

    from django.utils import timezone

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _post_login(client, user.mobile, PASSWORD).status_code == 302


def test_logout_deletes_the_session_server_side(client):
    user = UserFactory()
    _post_login(client, user.mobile, PASSWORD)
    old_cookie = client.cookies["sessionid"].value

    client.post("/account/logout/")

    from django.contrib.sessions.backends.cached_db import SessionStore

    assert not SessionStore().exists(old_cookie)
    client.cookies["sessionid"] = old_cookie
    assert client.get("/account/security/").status_code == 302  # back to login


@override_settings(SESSION_IDLE_TIMEOUT_OFFICIAL=1800, SESSION_IDLE_TIMEOUT_RESIDENT=7200)
def test_official_session_ends_after_thirty_idle_minutes(client):
    official = UserFactory(official=True)
    client.force_login(official)
    session = client.session
    session["auth_started_at"] = time.time() - 3600
    session["last_activity_at"] = time.time() - 31 * 60
    session.save()

    response = client.get("/account/security/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_resident_session_survives_thirty_idle_minutes_but_not_the_absolute_limit(client, settings):
    user = UserFactory()
    client.force_login(user)
    session = client.session
    session["auth_started_at"] = time.time() - 3600
    session["last_activity_at"] = time.time() - 31 * 60
    session.save()
    assert client.get("/account/security/").status_code == 200

    session = client.session
    session["auth_started_at"] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 1
    session.save()
    assert client.get("/account/security/").status_code == 302


def test_disabling_a_user_ends_all_their_sessions(client):
    user = UserFactory()
    _post_login(client, user.mobile, PASSWORD)
    assert client.get("/account/security/").status_code == 200

    user.is_active = False
    user.save()

    assert client.get("/account/security/").status_code == 302
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_a_user_can_end_another_of_their_sessions(client):
    from django.test import Client

    user = UserFactory()
    other_device = Client()
    _post_login(other_device, user.mobile, PASSWORD)
    _post_login(client, user.mobile, PASSWORD)
    other = UserSession.objects.exclude(session_key=client.session.session_key).get(user=user)

    client.post(f"/account/security/sessions/{other.pk}/end/")

    assert other_device.get("/account/security/").status_code == 302
    assert client.get("/account/security/").status_code == 200


def test_a_user_cannot_end_someone_elses_session(client):
    victim = UserFactory()
    from django.test import Client

    victim_client = Client()
    _post_login(victim_client, victim.mobile, PASSWORD)
    victim_session = UserSession.objects.get(user=victim)

    client.force_login(UserFactory())
    assert client.post(f"/account/security/sessions/{victim_session.pk}/end/").status_code == 404
    assert victim_client.get("/account/security/").status_code == 200


def test_resident_with_totp_needs_the_code_after_the_password(client):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    first = _post_login(client, user.mobile, PASSWORD)
    assert first.status_code == 302
    assert first["Location"].startswith("/account/login/totp/")
    assert "_auth_user_id" not in client.session

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    wrong = client.post("/account/login/totp/", {"token": f"{(int(code) + 1) % 10**6:06d}"})
    assert "_auth_user_id" not in client.session
    assert wrong.status_code == 200
    # django-otp throttles after a failure; let the back-off pass instead of sleeping.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    response = client.post("/account/login/totp/", {"token": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_registration_needs_the_sms_code_of_that_number(client, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from common import sms

    cache.clear()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/sms-code/", {"mobile": "13912346666", "purpose": "register"})
    code = sms.outbox[-1].params["code"]
    form = {"sms_code": code, "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}

    other_number = client.post("/account/register/", {**form, "mobile": "13912346667"})
    assert other_number.status_code == 400
    assert not User.objects.filter(mobile="13912346667").exists()

    response = client.post("/account/register/", {**form, "mobile": "13912346666"})
    assert response.status_code == 302
    user = User.objects.get(mobile="13912346666")
    assert user.assurance_level == 1
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_idle_clock_moves_on_at_most_once_a_resolution(client, settings):
    settings.SESSION_ACTIVITY_RESOLUTION = 60
    client.force_login(UserFactory())
    session = client.session
    session["last_activity_at"] = time.time() - 61
    session.save()
    assert client.get("/account/security/").status_code == 200
    moved = client.session["last_activity_at"]
    assert time.time() - moved < 5
    assert client.get("/account/security/").status_code == 200
    assert client.session["last_activity_at"] == moved  # within the resolution: no write
