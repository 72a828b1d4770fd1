"""Drill: Redis stopped for 30 s, and restarted with a relay task in flight."""

import time

from .harness import NotificationLoad, Report, check_outbox_invariants, settle_outbox, start_worker, wait_for


def test_redis_down_30_seconds_and_restarted_with_a_task_in_flight(drill):
    report = Report("redis-restart")
    worker = start_worker(broker_url=drill.redis.url, filebox=drill.filebox, delay=1.5)
    drill.workers.append(worker)
    drill.app.conf.task_default_queue = worker.queue
    worker.start()
    worker.wait_until_ready()
    load = NotificationLoad(drill.users, per_second=3, limit=300)
    load.start()

    time.sleep(5)
    # Redis goes away for 30 s while the load continues (commits succeed; relays wait for the sweeper).
    drill.redis.stop()
    report.faults_injected += 1
    time.sleep(30)
    drill.redis.start()
    time.sleep(4)
    # Restarted while a relay is in flight: the provider takes 1.5 s per SMS.
    wait_for(lambda: worker.log().count("received") > 0, timeout=30, what="a relay in flight")
    drill.redis.stop()
    report.faults_injected += 1
    time.sleep(5)
    drill.redis.start()
    time.sleep(5)
    load.stop()

    settle_outbox(timeout=180)
    assert worker.process.poll() is None, f"the worker exited:\n{worker.log()[-3000:]}"
    assert "Unrecoverable error" not in worker.log()
    check_outbox_invariants(report, load, drill.filebox)
    report.print()
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0
    assert report.acknowledged == report.requests_sent
