"""One official's decision on a case, in its own process (the officials drill).

``python -m tests.drills.decide <application_id> <official_id> <to_status> <start_at>``
waits until ``start_at`` (a Unix time, so both processes start together), then
prints ``ok``, ``refused:<code>`` or ``error:<class>``.
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from applications.services import application_transition  # noqa: E402
from common.exceptions import ApplicationError  # noqa: E402
from identity.models import User  # noqa: E402


def main() -> None:
    application_id, official_id, to_status, start_at = sys.argv[1:5]
    official = User.objects.get(pk=official_id)
    time.sleep(max(0.0, float(start_at) - time.time()))
    try:
        application_transition(application_id=int(application_id), to_status=to_status, actor=official, comment="决定")
    except ApplicationError as exc:
        print(f"refused:{exc.code}")
    except Exception as exc:
        print(f"error:{exc.__class__.__name__}")
    else:
        print("ok")


if __name__ == "__main__":
    main()
