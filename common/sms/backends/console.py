import sys

from django.conf import settings

from common.masking import mask_mobile, mask_personal_data

from .. import SMS_ACCEPTED, SMS_NOT_FOUND
from .base import BaseSmsBackend

# out_ids this process printed: the console provider answers queries from them.
_printed: set[str] = set()


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message to stdout: the demo's "SMS gateway". Labelled as such.

    The mobile number is always masked, so a code and the full number it
    unlocks never stand on one line. With ``SMS_CONSOLE_PRINTS_TEXT`` off (as
    production sets it, where this backend runs only on a staging deployment
    that names ``sms-console`` in ``TONGBAN_STAGING_SANDBOXES``) the text, and
    so the code, is not printed at all.
    """

    is_sandbox = True

    def send_messages(self, messages) -> int:
        prints_text = getattr(settings, "SMS_CONSOLE_PRINTS_TEXT", True)
        for message in messages:
            recipient = mask_mobile(message.mobile)
            body = mask_personal_data(message.text) if prints_text else f"template {message.template}, text withheld"
            sys.stdout.write(f"[演示短信 / demo SMS, not sent] to {recipient}: {body}\n")
            sys.stdout.flush()
            if message.out_id:
                _printed.add(message.out_id)
        return len(messages)

    def query(self, message, *, sent_at) -> str | None:
        return SMS_ACCEPTED if message.out_id in _printed else SMS_NOT_FOUND
