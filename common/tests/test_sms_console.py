"""The console SMS backend (the demo's stand-in) never prints a code next to a
full mobile number, and prints no text at all under production settings."""

from common.sms import SmsMessage
from common.sms.backends.console import ConsoleSmsBackend

MOBILE = "13912348888"
MESSAGE = SmsMessage(
    mobile=MOBILE, template="verification_code", params={"code": "482913"}, text="【通办】验证码482913，10分钟内有效。"
)


def test_console_sms_masks_the_mobile_number_and_shows_the_code_for_the_demo(capsys, settings):
    settings.SMS_CONSOLE_PRINTS_TEXT = True
    ConsoleSmsBackend().send_messages([MESSAGE])
    printed = capsys.readouterr().out
    assert MOBILE not in printed
    assert "139****8888" in printed
    assert "482913" in printed
    assert "demo SMS, not sent" in printed


def test_console_sms_prints_no_code_under_production_settings(capsys, settings):
    settings.SMS_CONSOLE_PRINTS_TEXT = False
    ConsoleSmsBackend().send_messages([MESSAGE])
    printed = capsys.readouterr().out
    assert "482913" not in printed
    assert MOBILE not in printed
    assert "139****8888" in printed
