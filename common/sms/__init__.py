"""Sending SMS through a swappable backend, in the shape of Django's email backends.

``settings.SMS_BACKEND`` names the backend class. Backends shipped here:

* ``common.sms.backends.console.ConsoleSmsBackend`` — prints to stdout (demo);
* ``common.sms.backends.locmem.LocmemSmsBackend`` — collects ``common.sms.outbox`` (tests);
* ``common.sms.backends.aliyun.AliyunSmsBackend`` — Alibaba Cloud SMS (``SendSms``);
* ``common.sms.backends.filebox.FileboxSmsBackend`` — a sandbox provider shared by
  processes through a file (drills and multi-process tests).

At most once: a message carries ``out_id``, our id for it at the provider
(Aliyun's ``OutId``). When an earlier attempt's outcome is unknown (a worker
died between the provider's answer and our commit), :func:`query_sms` asks the
provider whether it has that message before anything is sent again.
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
    :param out_id: our id for the message at the provider (Aliyun ``OutId``), so
        that an attempt with an unknown outcome can be looked up.
    """

    mobile: str
    template: str
    params: dict = field(default_factory=dict)
    text: str = ""
    out_id: str = ""


class SmsError(Exception):
    """The provider refused or could not be reached.

    ``outcome_unknown`` is True when the request may have reached the provider
    (a timeout, a broken connection): the message may have been accepted.
    """

    def __init__(self, *args, outcome_unknown: bool = False):
        super().__init__(*args)
        self.outcome_unknown = outcome_unknown


def get_backend(path: str | None = None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def send_sms(message: SmsMessage) -> None:
    get_backend().send_messages([message])


# What the provider says of a message looked up by ``out_id``.
SMS_ACCEPTED = "accepted"  # it has the message (queued, sent or delivered): never send again
SMS_NOT_FOUND = "not_found"  # it has no such message, or it failed: sending again is safe


def query_sms(message: SmsMessage, *, sent_at) -> str | None:
    """Ask the provider about ``message`` (by ``out_id``): SMS_ACCEPTED,
    SMS_NOT_FOUND, or None when this provider cannot be asked."""
    return get_backend().query(message, sent_at=sent_at)
