"""One beat (common/beat.py): of two beat processes only the one holding the Redis
lock sends the schedule; the other takes over once the first dies and its lock expires.

Which process sent each message is read from the message itself: Celery stamps
every task message with an ``origin`` header naming the sending process's pid."""

import collections
import json
import sys
import time

import pytest
import redis

from common.testing.processes import CeleryBeatProcess

pytestmark = pytest.mark.celery_worker

SETTINGS = """
from config.settings.test import *  # noqa: F403
CELERY_BEAT_SCHEDULE = {"ping": {"task": "tongban.beat-test-ping", "schedule": 1.0}}
"""


def _senders(client) -> collections.Counter:
    """Messages waiting in the default queue (no worker consumes them), by sending pid."""
    senders = collections.Counter()
    for raw in client.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        assert headers["task"] == "tongban.beat-test-ping"
        senders[int(headers["origin"].split("@")[0].removeprefix("gen"))] += 1
    return senders


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_a_second_beat_sends_nothing_until_the_first_dies(disposable_redis, tmp_path, monkeypatch):
    (tmp_path / "beat_test_settings.py").write_text(SETTINGS)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{':'.join(sys.path)}")
    env = {"DJANGO_SETTINGS_MODULE": "beat_test_settings", "BEAT_LOCK_TIMEOUT": "6", "BEAT_LOCK_RETRY_SECONDS": "1"}
    client = redis.Redis.from_url(disposable_redis.url)
    first = CeleryBeatProcess(broker_url=disposable_redis.url, schedule_path=tmp_path / "first", extra_env=env)
    second = CeleryBeatProcess(broker_url=disposable_redis.url, schedule_path=tmp_path / "second", extra_env=env)
    try:
        first.start()
        assert _wait_for(lambda: _senders(client)[first.pid] >= 2, 120), first.log()
        second.start()
        assert _wait_for(lambda: "idles: another beat holds" in second.log(), 120), second.log()
        time.sleep(5)  # both running: the first keeps sending, the second sends nothing
        senders = _senders(client)
        assert senders[first.pid] >= 6
        assert senders[second.pid] == 0, second.log()
        assert set(senders) == {first.pid}

        sent_by_first = senders[first.pid]
        first.kill()  # a crash: its lock is not released, it expires after BEAT_LOCK_TIMEOUT
        assert _wait_for(lambda: _senders(client)[second.pid] >= 2, 60), second.log()
        assert _senders(client)[first.pid] == sent_by_first
        assert client.ttl("tongban:beat-lock") > 0
    finally:
        first.stop()
        second.stop()
