from .. import SMS_ACCEPTED, SMS_NOT_FOUND, outbox
from .base import BaseSmsBackend


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in ``common.sms.outbox`` for tests to read, and answers queries from it."""

    is_sandbox = True

    def send_messages(self, messages) -> int:
        outbox.extend(messages)
        return len(messages)

    def query(self, message, *, sent_at) -> str | None:
        found = message.out_id and any(sent.out_id == message.out_id for sent in outbox)
        return SMS_ACCEPTED if found else SMS_NOT_FOUND
