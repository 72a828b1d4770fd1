"""The load of the PostgreSQL drill, in its own process against a private cluster.

``python -m tests.drills.pg_load <seconds> <media_root> <result.json>``: seeds
the catalogue, then submits applications (draft, upload, submit) for ``seconds``,
each as one request would: connections are checked at every request start
(``close_old_connections``, with ``CONN_HEALTH_CHECKS``). A request that fails
because the database restarted under it is counted as refused (the resident
sees an error and tries again), never as acknowledged. At the end it checks the
whole database and writes the counts.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, transaction  # noqa: E402
from django.utils.functional import empty  # noqa: E402


def main() -> None:
    seconds, media_root, result_path = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    settings.PRIVATE_MEDIA_ROOT = media_root
    from common.storage import private_storage

    private_storage._wrapped = empty

    from applications import services
    from applications.models import Application, SubmittedMaterial
    from applications.tests.factories import resident
    from common.testing.files import pdf_upload
    from services import demo as services_demo
    from services.models import Material

    services_demo.seed()
    # The drill restarts the server only once the load runs: on a slow machine the seed alone
    # outlasted its first 12 s, and the restart failed the seed instead of testing requests.
    Path(result_path + ".ready").touch()
    sent, acknowledged, refused = 0, [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        close_old_connections()  # a request starts
        sent += 1
        try:
            with transaction.atomic():  # ATOMIC_REQUESTS
                applicant = resident()
                draft = services.application_start(applicant=applicant, item_code="440100-GA-007")
                services.application_save_draft(
                    application=draft, data={**draft.form_data, "address": "广州"}, actor=applicant
                )
                for requirement in Material.objects.filter(version=draft.service_version, mandatory=True):
                    services.material_add_upload(
                        application=draft, requirement=requirement, uploaded=pdf_upload(), actor=applicant
                    )
                case = services.application_submit(application=draft, actor=applicant)
            acknowledged.append(case.case_number)
        except Exception as exc:
            refused.append(exc.__class__.__name__)
            time.sleep(0.5)
        close_old_connections()  # the request ends
        time.sleep(0.05)

    close_old_connections()
    found = set(Application.objects.exclude(case_number="").values_list("case_number", flat=True))
    lost = [number for number in acknowledged if number not in found]
    without_files = 0
    for material in SubmittedMaterial.objects.all():
        if not material.file or not material.file.storage.exists(material.file.name):
            without_files += 1
    orphans = [
        path
        for path in Path(media_root).rglob("*")
        if path.is_file() and not SubmittedMaterial.objects.filter(file=str(path.relative_to(media_root))).exists()
    ]
    Path(result_path).write_text(
        json.dumps(
            {
                "sent": sent,
                "acknowledged": len(acknowledged),
                "refused": refused,
                "lost": len(lost),
                "materials_without_files": without_files,
                "orphan_files": len(orphans),
                "applications": Application.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
