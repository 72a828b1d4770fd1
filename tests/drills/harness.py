"""What every drill shares: private services it may kill, a real worker, a
steady bounded load, the invariants over the whole database and the report.

Drills run only through ``make drills`` (their files are ``drill_*.py``, which
``make test`` does not collect). Each starts private instances of what it kills
(``redis-server`` on a spare port, a PostgreSQL cluster through ``initdb`` and
``pg_ctl``); the shared services stay untouched.
"""

import collections
import threading
import time
from dataclasses import dataclass, field

from django.db import connection, connections, transaction

from common.sms.backends.filebox import read_filebox
from common.testing.processes import CeleryWorkerProcess, database_url


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Report:
    name: str
    requests_sent: int = 0
    acknowledged: int = 0
    faults_injected: int = 0
    requests_lost: int = 0
    side_effects_duplicated: int = 0
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        print(
            f"\nDRILL {self.name}: requests sent {self.requests_sent}, acknowledged {self.acknowledged}, "
            f"faults injected {self.faults_injected}, requests lost {self.requests_lost}, "
            f"side effects duplicated {self.side_effects_duplicated}"
        )
        for note in self.notes:
            print(f"  {note}")


def start_worker(*, broker_url: str, filebox, delay: float, pool: str = "prefork", lease: int = 5):
    database = connection.settings_dict
    url = database_url(database)
    worker = CeleryWorkerProcess(
        database_url=url,
        broker_url=broker_url,
        pool=pool,
        extra_env={
            "DJANGO_SETTINGS_MODULE": "common.testing.worker_settings",
            "TONGBAN_TEST_SMS_BACKEND": "common.sms.backends.filebox.FileboxSmsBackend",
            "SMS_FILEBOX_PATH": str(filebox),
            "SMS_FILEBOX_DELAY": str(delay),
            "OUTBOX_ATTEMPT_LEASE_SECONDS": str(lease),
        },
    )
    return worker


class NotificationLoad(threading.Thread):
    """Notifications at a steady, bounded rate, each in its own committed
    transaction (as a view would), counting what was acknowledged."""

    def __init__(self, users, *, per_second: float = 4, limit: int = 400):
        super().__init__(daemon=True)
        self.users = users
        self.interval = 1 / per_second
        self.limit = limit
        self.sent = 0
        self.acknowledged: list[str] = []
        self.errors: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        from notifications.services import notify

        try:
            while not self._stop_event.is_set() and self.sent < self.limit:
                marker = f"load-{self.sent}"
                self.sent += 1
                try:
                    with transaction.atomic():
                        notify(
                            user=self.users[self.sent % len(self.users)], template="test.ping", context={"name": marker}
                        )
                except Exception as exc:  # a refused request is counted, not hidden
                    self.errors.append(f"{marker}: {exc.__class__.__name__}")
                else:
                    self.acknowledged.append(marker)
                time.sleep(self.interval)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)


def settle_outbox(*, timeout: float = 120) -> None:
    """Act as beat: sweep until no outbox row is pending (or only ones waiting with a reason)."""
    from notifications.constants import OutboxStatus
    from notifications.models import OutboxMessage
    from notifications.tasks import sweep_outbox

    def settled() -> bool:
        sweep_outbox(grace_seconds=0)
        return not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()

    wait_for(settled, timeout=timeout, what="the outbox to settle", interval=1)


def check_outbox_invariants(report: Report, load: NotificationLoad, filebox) -> None:
    """Over the whole database: every acknowledged notification has its rows;
    every row is delivered (or pending with a reason); the provider received
    each SMS row at most once, and every delivered SMS row exactly once."""
    from notifications.constants import Channel, OutboxStatus
    from notifications.models import InboxMessage, OutboxMessage

    report.requests_sent += load.sent
    report.acknowledged += len(load.acknowledged)
    rows = list(OutboxMessage.objects.all())
    markers = collections.Counter(row.context.get("name") for row in rows if row.channel == Channel.INBOX)
    report.requests_lost += sum(1 for marker in load.acknowledged if markers[marker] == 0)
    stuck = [row for row in rows if row.status == OutboxStatus.PENDING and not row.last_error]
    dead = [row for row in rows if row.status == OutboxStatus.DEAD]
    report.requests_lost += len(stuck) + len(dead)

    received = collections.Counter(line["out_id"].rsplit("-", 1)[0] for line in read_filebox(filebox))
    for row in rows:
        if row.channel != Channel.SMS:
            continue
        copies = received.get(row.pk.hex, 0)
        report.side_effects_duplicated += max(0, copies - 1)
        if row.status == OutboxStatus.DELIVERED and copies == 0:
            report.requests_lost += 1
    inbox = collections.Counter(InboxMessage.objects.values_list("outbox_id", flat=True))
    report.side_effects_duplicated += sum(count - 1 for count in inbox.values() if count > 1)
    report.notes.append(
        f"outbox rows {len(rows)}, SMS received by the provider {sum(received.values())}, "
        f"load errors {len(load.errors)}"
    )
