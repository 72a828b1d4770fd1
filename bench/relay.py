"""The outbox relay, two ways. Each prints one JSON line; run inside Tongban's settings.

``python -m bench.relay <messages>``: throughput with one worker. Write N notifications
(each an in-app message and an SMS through the configured sender), then deliver them in this
one process through the relay task's own code, and count what was delivered per second.

``python -m bench.relay latency <submissions> <per second>``: commit-to-SMS latency under
load, with a Celery worker running beside it (``bench/run.py`` starts one). Complete drafts
are submitted through ``application_submit`` at the given rate from a few threads, each in its
own transaction; each submission's "status changed" SMS leaves through the outbox, queued on
commit to the worker. The latency of each is its SMS row's ``delivered_at`` (set once the SMS
backend accepted it) less its ``created_at`` (set inside the submitting transaction, just
before the commit): p50, p95 and the slowest.
"""

import json
import queue
import statistics
import sys
import threading
import time

import django

SUBMIT_THREADS = 6
DELIVERY_TIMEOUT_SECONDS = 120


def main(count: int) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications.constants import OutboxStatus
    from notifications.models import OutboxMessage
    from notifications.services import notify
    from notifications.tasks import relay_outbox_messages

    residents = list(get_user_model().objects.filter(username__startswith="15").order_by("pk")[:count])
    message_ids: list[str] = []
    with transaction.atomic():
        for number, resident in enumerate(residents):
            message_ids += [
                str(message.pk)
                for message in notify(
                    user=resident,
                    template="payments.paid",
                    context={"subject": "基准测试 工本费", "amount": "120.00", "out_trade_no": f"BENCHRELAY{number}"},
                    link="/my/orders/",
                )
            ]
    started = time.monotonic()
    delivered = relay_outbox_messages(message_ids)  # in this process: one worker, no broker round trip
    seconds = time.monotonic() - started
    sent = OutboxMessage.objects.filter(pk__in=message_ids, status=OutboxStatus.DELIVERED).count()
    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "messages": len(message_ids),
                "delivered": delivered,
                "delivered_in_database": sent,
                "seconds": round(seconds, 3),
                "messages_per_second": round(delivered / seconds, 1) if seconds else None,
            }
        )
    )


def _complete_drafts(count: int):
    """``count`` clones of one resident's draft of an item that needs no material, filled in."""
    from django.contrib.auth import get_user_model

    from applications import services
    from applications.models import Application
    from services.constants import Audience
    from services.models import ServiceItem

    resident = get_user_model().objects.filter(username__startswith="15", mobile__startswith="15").order_by("pk")[4]
    for candidate in ServiceItem.objects.filter(published_version__isnull=False, audience=Audience.RESIDENT).order_by(
        "pk"
    ):
        draft = services.application_start(applicant=resident, item_code=candidate.code)
        if not any(requirement.mandatory for requirement in services.application_requirements(draft)):
            break
        draft.delete()
    else:
        raise SystemExit("no published resident item without mandatory materials")
    data = {**draft.form_data}
    schema = draft.service_version.form_schema or {}
    for name in schema.get("required", []):
        spec = schema.get("properties", {}).get(name, {})
        if data.get(name) in ("", None):
            data[name] = (spec.get("enum") or spec.get("examples") or ["广州市天河区体育西路1号"])[0]
    services.application_save_draft(application=draft, data=data, actor=resident)
    draft.refresh_from_db()
    template = {
        field.attname: getattr(draft, field.attname)
        for field in Application._meta.concrete_fields
        if field.attname not in ("id", "case_number")
    }
    return resident, Application.objects.bulk_create(Application(**template) for _ in range(count))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency(count: int, rate: float) -> None:
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from applications import services
    from config.celery import app
    from notifications.constants import Channel, OutboxStatus
    from notifications.models import OutboxMessage

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1.0):
        if time.monotonic() > deadline:
            raise SystemExit("no Celery worker answered within 60 s")
    resident, drafts = _complete_drafts(count)
    connection.close()
    since = timezone.now()  # datasets are kept between runs: only this run's messages count
    pending: queue.Queue = queue.Queue()
    started = time.monotonic() + 0.5
    for number, draft in enumerate(drafts):
        pending.put((started + number / rate, draft))
    durations: list[float] = []
    failures: list[str] = []

    def submit_paced() -> None:
        from django.db import connection as thread_connection

        try:
            while True:
                try:
                    due, draft = pending.get_nowait()
                except queue.Empty:
                    return
                time.sleep(max(0.0, due - time.monotonic()))
                begun = time.monotonic()
                try:
                    services.application_submit(application=draft, actor=resident)
                except Exception as exc:  # counted and shown, not fatal: the figure says how many
                    failures.append(f"{exc.__class__.__name__}: {exc}"[:200])
                durations.append(time.monotonic() - begun)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit_paced) for _ in range(SUBMIT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitting_seconds = time.monotonic() - started
    sms = OutboxMessage.objects.filter(
        channel=Channel.SMS,
        template="applications.status_changed",
        user=resident,
        context__status_code="submitted",
        created_at__gte=since,
    )
    wait_until = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while sms.exclude(status=OutboxStatus.DELIVERED).exists() and time.monotonic() < wait_until:
        time.sleep(0.5)
    delivered = list(sms.filter(status=OutboxStatus.DELIVERED).values_list("created_at", "delivered_at"))
    latencies = [(sent - created).total_seconds() * 1000 for created, sent in delivered]
    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "submissions": count,
                "target_per_second": rate,
                "achieved_per_second": round(count / submitting_seconds, 1),
                "submit_p50_ms": round(statistics.median(durations) * 1000, 1) if durations else None,
                "failures": len(failures),
                "failure_example": failures[0] if failures else "",
                "sms": sms.count(),
                "sms_delivered": len(latencies),
                "commit_to_sms_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                "commit_to_sms_p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
                "commit_to_sms_max_ms": round(max(latencies), 1) if latencies else None,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "latency":
        latency(int(sys.argv[2]), float(sys.argv[3]))
    else:
        main(int(sys.argv[1]))
