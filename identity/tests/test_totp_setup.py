"""Turning on TOTP: the setup page's GET creates nothing; a POST makes the device."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/security/totp/"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_setup_page_creates_no_device_on_get(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "生成二维码" in html
    assert '<form method="post"' in html
    assert "<svg" not in html
    assert not TOTPDevice.objects.exists()


def test_a_post_makes_one_device_whose_code_turns_totp_on(client):
    user = UserFactory()
    client.force_login(user)
    for _attempt in range(2):  # a second click (or the back button) makes no second device
        started = client.post(URL, {"action": "start"})
        assert started.status_code == 302
        assert started["Location"] == URL
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False

    page = client.get(URL)
    assert "<svg" in page.content.decode()
    assert TOTPDevice.objects.filter(user=user).count() == 1

    wrong = client.post(URL, {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "动态验证码不正确" in wrong.content.decode()
    # django-otp throttles after a failure; the test does not wait it out.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    confirmed = client.post(URL, {"token": _code(device)})
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    # Once on, the page sends the user back and a POST makes nothing more.
    assert client.post(URL, {"action": "start"})["Location"] == "/account/security/"
    assert TOTPDevice.objects.filter(user=user).count() == 1
