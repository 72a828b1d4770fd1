"""The calibration app's views answer, under its own settings (used by bench/tests).

Run as ``python -m bench.selfcheck`` with ``CALIBRATION_DATABASE_URL`` naming a scratch
``tongban_bench_*`` database; prints one JSON line of status codes and bodies' sizes.
"""

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.calibration.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.calibration.models import Row

    call_command("migrate", "--noinput", "-v0")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS calibration_upload (id serial PRIMARY KEY, size int, sha256 text)")
        # Row n gets primary key n + 1, as in the benchmark's own calibration table.
        cursor.execute("TRUNCATE calibration_row RESTART IDENTITY")
    Row.objects.bulk_create(
        Row(code=f"CAL-{n:05d}", title=f"第{n}项", department="市场监督管理局", created_at=timezone.now())
        for n in range(40)
    )
    client = Client()
    answers = {}
    for path in ("/hello", "/one-query?n=3", "/page?page=1", "/drf?page=1"):
        response = client.get(path)
        answers[path] = {"status": response.status_code, "body": response.content.decode()}
    response = client.post(
        "/upload", {"file": django.core.files.uploadedfile.SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")}
    )
    answers["/upload"] = {"status": response.status_code, "body": response.content.decode()}
    print(json.dumps(answers, ensure_ascii=False))


if __name__ == "__main__":
    main()
