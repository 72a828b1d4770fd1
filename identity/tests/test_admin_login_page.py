"""The officials' admin login page: the password never comes back in the page,
and django-otp's strings are in Chinese (English for an English browser)."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from identity.admin_site import OfficialLoginForm

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OFFICIAL_PASSWORD = "An-official's-pass-7731"


@pytest.fixture
def official():
    return UserFactory(
        official=True, is_superuser=True, with_totp=True, username="official-wang", password=OFFICIAL_PASSWORD
    )


def _password_inputs(html: str) -> list[str]:
    return re.findall(r"<input[^>]*type=\"password\"[^>]*>", html)


def test_password_is_not_echoed_after_a_missing_totp_code(client, official):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": official.username, "password": OFFICIAL_PASSWORD, "otp_token": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert OFFICIAL_PASSWORD not in html
    (password_input,) = _password_inputs(html)
    assert "value=" not in password_input
    # The username is kept, so only the password and the code are typed again.
    assert 'value="official-wang"' in html


def test_password_is_not_echoed_after_a_wrong_totp_code(client, official):
    response = client.post(
        "/admin/login/", {"username": official.username, "password": OFFICIAL_PASSWORD, "otp_token": "000000"}
    )
    assert OFFICIAL_PASSWORD not in response.content.decode()


def test_otp_labels_and_errors_are_in_chinese(client, official):
    html = client.post(
        "/admin/login/", {"username": official.username, "password": OFFICIAL_PASSWORD, "otp_token": ""}
    ).content.decode()
    assert "请输入动态验证码。" in html
    assert "动态验证码：" in html
    assert "验证设备：" in html
    for english in ("OTP Token", "OTP Device", "Please enter your OTP token"):
        assert english not in html


def test_otp_labels_and_errors_have_english_translations(rf, official):
    """The admin is served unprefixed (Chinese, like every unprefixed page); its
    strings carry English in the catalogue like the rest of the site."""
    request = rf.post("/admin/login/")
    form = OfficialLoginForm(
        request, data={"username": official.username, "password": OFFICIAL_PASSWORD, "otp_token": ""}
    )
    with translation.override("en"):
        assert not form.is_valid()
        html = render_to_string("admin/otp_login.html", {"form": form, "app_path": "/admin/login/"}, request=request)
    assert "Please enter your one-time code." in html
    assert "One-time code:" in html
    assert "Authenticator:" in html
    assert "请输入动态验证码" not in html
    assert OFFICIAL_PASSWORD not in html


def test_a_resident_password_is_not_echoed_either(client):
    resident = UserFactory()
    html = client.post("/admin/login/", {"username": resident.username, "password": PASSWORD}).content.decode()
    assert PASSWORD not in html
