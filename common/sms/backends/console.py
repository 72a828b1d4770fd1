import sys

from .base import BaseSmsBackend


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message to stdout: the demo's "SMS gateway". Labelled as such."""

    def send_messages(self, messages) -> int:
        for message in messages:
            sys.stdout.write(f"[演示短信 / demo SMS, not sent] to {message.mobile}: {message.text}\n")
            sys.stdout.flush()
        return len(messages)
