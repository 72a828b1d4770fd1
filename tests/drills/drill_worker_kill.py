"""Drill: a worker kill -9'd mid-task, and one SIGTERM'd mid-task."""

import signal
import time

import pytest

from common.sms.backends.filebox import read_filebox

from .harness import NotificationLoad, Report, check_outbox_invariants, settle_outbox, start_worker, wait_for


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_worker_killed_mid_task_loses_nothing_and_sends_nothing_twice(drill, signum):
    report = Report(f"worker-{signal.Signals(signum).name}")
    worker = start_worker(broker_url=drill.redis.url, filebox=drill.filebox, delay=2)
    drill.workers.append(worker)
    drill.app.conf.task_default_queue = worker.queue
    worker.start()
    worker.wait_until_ready()
    load = NotificationLoad(drill.users, per_second=2, limit=200)
    load.start()

    for _round in range(2):
        # Mid-task: the provider is handling an SMS (2 s each).
        before = len(read_filebox(drill.filebox))
        wait_for(lambda w=worker: w.log().count("received") > 0, timeout=60, what="a task in flight")
        wait_for(lambda b=before: len(read_filebox(drill.filebox)) > b, timeout=60, what="the provider to accept one")
        time.sleep(0.5)
        worker.signal_group(signum)
        report.faults_injected += 1
        worker.process.wait(timeout=60)
        # A new worker on the same queue (systemd's Restart=always).
        replacement = start_worker(broker_url=drill.redis.url, filebox=drill.filebox, delay=2)
        replacement.queue = worker.queue
        replacement.hostname = f"{worker.queue}-{_round}@%h"
        drill.workers.append(replacement)
        replacement.start()
        replacement.wait_until_ready()
        worker = replacement
        time.sleep(3)
    load.stop()

    settle_outbox(timeout=180)
    check_outbox_invariants(report, load, drill.filebox)
    report.print()
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0
