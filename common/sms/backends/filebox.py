"""沙箱 / SANDBOX: an SMS "provider" that is a file shared by processes.

Each accepted message is one JSON line (``out_id``, masked recipient,
template, time) appended under an exclusive lock; :meth:`query` answers from
the same file, like Aliyun's ``QuerySendDetails``. Drills and multi-process
tests use it to count what the provider received from every worker.

``SMS_FILEBOX_PATH`` names the file; ``SMS_FILEBOX_DELAY`` (seconds) makes the
provider slow, so a test can catch a task mid-send.
"""

import fcntl
import json
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from common.masking import mask_mobile

from .. import SMS_ACCEPTED, SMS_NOT_FOUND
from .base import BaseSmsBackend


def read_filebox(path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class FileboxSmsBackend(BaseSmsBackend):
    is_sandbox = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.path = Path(kwargs.get("path") or settings.SMS_FILEBOX_PATH)
        self.delay = float(kwargs.get("delay", getattr(settings, "SMS_FILEBOX_DELAY", 0)))

    def send_messages(self, messages) -> int:
        if self.delay:
            time.sleep(self.delay)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            for message in messages:
                line = {
                    "out_id": message.out_id,
                    "mobile": mask_mobile(message.mobile),
                    "template": message.template,
                    "at": timezone.now().isoformat(),
                }
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
        return len(messages)

    def query(self, message, *, sent_at) -> str | None:
        found = any(row["out_id"] == message.out_id for row in read_filebox(self.path)) if message.out_id else False
        return SMS_ACCEPTED if found else SMS_NOT_FOUND
