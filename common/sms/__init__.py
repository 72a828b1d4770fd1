"""Sending SMS through a swappable backend, in the shape of Django's email backends.

``settings.SMS_BACKEND`` names the backend class. Backends shipped here:

* ``common.sms.backends.console.ConsoleSmsBackend`` — prints to stdout (demo);
* ``common.sms.backends.locmem.LocmemSmsBackend`` — collects ``common.sms.outbox`` (tests);
* ``common.sms.backends.aliyun.AliyunSmsBackend`` — Alibaba Cloud SMS (``SendSms``).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

# Filled by the locmem backend, like django.core.mail.outbox.
outbox: list["SmsMessage"] = []


@dataclass(frozen=True)
class SmsMessage:
    """One text message.

    :param mobile: the recipient, 11-digit mainland number.
    :param template: our template name (e.g. ``"verification_code"``); providers
        that only send registered templates map it to their template code.
    :param params: the template's parameters.
    :param text: the rendered Chinese text, for backends that send free text.
    """

    mobile: str
    template: str
    params: dict = field(default_factory=dict)
    text: str = ""


class SmsError(Exception):
    """The provider refused or could not be reached."""


def get_backend(path: str | None = None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def send_sms(message: SmsMessage) -> None:
    get_backend().send_messages([message])
