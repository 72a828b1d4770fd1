"""The outbox relay, two ways. Each prints one JSON line; run inside Tongban's settings.

``python -m bench.relay <messages>``: throughput with one worker. Write N notifications
(each an in-app message and an SMS through the configured sender), then deliver them in this
one process through the relay task's own code, and count what was delivered per second.

``python -m bench.relay latency <submissions> <per second>``: commit-to-SMS latency under
load, with a Celery worker running beside it (``bench/run.py`` starts one). Complete drafts
are submitted through ``application_submit`` at the given rate from a few processes, each in its
own transaction; each submission's "status changed" SMS leaves through the outbox, queued on
commit to the worker. The latency of each is its SMS row's ``delivered_at`` (set once the SMS
backend accepted it) less its ``created_at`` (set inside the submitting transaction, just
before the commit): p50, p95 and the slowest.
"""

import json
import multiprocessing
import queue
import statistics
import sys
import threading
import time

import django

from bench.prepare import draft_template, fill_required_answers

DRAFT_DEPARTMENTS = 10
SUBMIT_PROCESSES = 3
SUBMIT_THREADS = 3
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
    """``count`` complete drafts of one resident, spread over items of up to ``DRAFT_DEPARTMENTS``
    departments that need no material: each department numbers its cases under a lock of its
    own, and a national platform's submissions arrive for many departments at once."""
    from django.contrib.auth import get_user_model

    from applications import services
    from applications.models import Application
    from services.constants import Audience
    from services.models import ServiceItem

    resident = get_user_model().objects.filter(username__startswith="15", mobile__startswith="15").order_by("pk")[4]
    templates, departments = [], set()
    candidates = ServiceItem.objects.filter(published_version__isnull=False, audience=Audience.RESIDENT)
    for candidate in candidates.order_by("pk"):
        if candidate.department_id in departments:
            continue
        draft = services.application_start(applicant=resident, item_code=candidate.code)
        if any(requirement.mandatory for requirement in services.application_requirements(draft)):
            draft.delete()
            continue
        fill_required_answers(draft, resident)
        templates.append(draft_template(draft))
        departments.add(candidate.department_id)
        if len(templates) == DRAFT_DEPARTMENTS:
            break
    if not templates:
        raise SystemExit("no published resident item without mandatory materials")
    drafts = Application.objects.bulk_create(
        Application(**templates[number % len(templates)]) for number in range(count)
    )
    return resident, drafts, len(templates)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _submit_share(share: tuple) -> tuple[list[float], list[str]]:
    """One driver process: its share of the drafts (every SUBMIT_PROCESSES-th), each submitted at
    its place in the common schedule, from SUBMIT_THREADS threads."""
    from django.contrib.auth import get_user_model

    from applications import services
    from applications.models import Application

    resident_pk, draft_pks, first, started, rate = share
    resident = get_user_model().objects.get(pk=resident_pk)
    pending: queue.Queue = queue.Queue()
    for place, draft_pk in enumerate(draft_pks):
        pending.put((started + (first + place * SUBMIT_PROCESSES) / rate, draft_pk))
    durations: list[float] = []
    failures: list[str] = []

    def submit_paced() -> None:
        from django.db import connection

        try:
            while True:
                try:
                    due, draft_pk = pending.get_nowait()
                except queue.Empty:
                    return
                time.sleep(max(0.0, due - time.monotonic()))
                begun = time.monotonic()
                try:
                    services.application_submit(application=Application(pk=draft_pk), actor=resident)
                except Exception as exc:  # counted and shown, not fatal: the figure says how many
                    failures.append(f"{exc.__class__.__name__}: {exc}"[:200])
                durations.append(time.monotonic() - begun)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_paced) for _ in range(SUBMIT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return durations, failures


def latency(count: int, rate: float) -> None:
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from config.celery import app
    from notifications.constants import Channel, OutboxStatus
    from notifications.models import OutboxMessage

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1.0):
        if time.monotonic() > deadline:
            raise SystemExit("no Celery worker answered within 60 s")
    resident, drafts, departments = _complete_drafts(count)
    connection.close()  # before the fork: each process opens its own connections and pool
    connection.close_pool()
    since = timezone.now()  # datasets are kept between runs: only this run's messages count
    started = time.monotonic() + 1.0
    # Several processes, as one process's threads share one interpreter lock: submitting is
    # about 35 ms of Python and PostgreSQL each, more than 1/50 s.
    shares = [
        (resident.pk, [draft.pk for draft in drafts[number::SUBMIT_PROCESSES]], number, started, rate)
        for number in range(SUBMIT_PROCESSES)
    ]
    with multiprocessing.get_context("fork").Pool(SUBMIT_PROCESSES) as pool:
        answers = pool.map(_submit_share, shares)
    durations = [duration for share_durations, _failures in answers for duration in share_durations]
    failures = [failure for _durations, share_failures in answers for failure in share_failures]
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
                "departments": departments,
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
