"""Multiprocess mode end to end: gunicorn with several workers and a real Celery worker, each
writing to its own PROMETHEUS_MULTIPROC_DIR; one scrape of any web worker adds them all up."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings
from django.db import connection
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from common.testing.processes import database_url, free_port

TOKEN = "multiprocess-metrics-token-0123456789abcdef"


def _samples(text: str, name: str) -> dict:
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


@pytest.fixture
def metrics_dirs(tmp_path, monkeypatch):
    web, worker = tmp_path / "web", tmp_path / "worker"
    web.mkdir()
    worker.mkdir()
    # Only the worker started by celery_worker_process inherits this (prometheus-client in this
    # test process was imported long ago, in single-process mode).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(worker))
    return web, worker


@pytest.fixture
def gunicorn(metrics_dirs, transactional_db):
    web, worker = metrics_dirs
    database = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": database_url(database),
        "PROMETHEUS_MULTIPROC_DIR": str(web),
        "METRICS_MULTIPROC_EXTRA_DIRS": str(worker),
        "METRICS_TOKEN": TOKEN,
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"]
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            # A long timeout: a request given up on while the workers boot would still be
            # answered (and counted) later, after the test's first reading.
            if httpx.get(f"{base}/healthz", timeout=60).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(process.stderr.read().decode(errors="replace"))
        time.sleep(0.2)
    try:
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _scrape(base: str) -> str:
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200
    return response.text


def test_one_scrape_adds_up_every_web_worker_and_survives_a_worker_exit(gunicorn, metrics_dirs):
    base, _process = gunicorn
    web, _worker = metrics_dirs
    healthz = (("method", "GET"), ("status", "2xx"), ("view", "healthz"))
    before = _samples(_scrape(base), "tongban_http_requests_total").get(healthz, 0)

    def get(_):
        return httpx.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(get, range(120))) == {200}

    assert _samples(_scrape(base), "tongban_http_requests_total")[healthz] == before + 120
    # Several workers answered: several processes' files hold healthz requests.
    per_process = [
        sum(
            s.value
            for family in MultiProcessCollector.merge([str(path)])
            for s in family.samples
            if s.name == "tongban_http_requests_total" and s.labels.get("view") == "healthz"
        )
        for path in web.glob("counter_*.db")
    ]
    assert len([count for count in per_process if count]) >= 2

    # A worker that exits (gunicorn replaces it; child_exit runs): its counts stay in the sum.
    worker_pids = [int(path.stem.rsplit("_", 1)[1]) for path in web.glob("counter_*.db")]
    os.kill(worker_pids[0], signal.SIGTERM)
    time.sleep(2)
    assert _samples(_scrape(base), "tongban_http_requests_total")[healthz] == before + 120


def test_a_task_failing_in_the_celery_worker_shows_on_the_web_scrape(gunicorn, celery_worker_process):
    from config.celery import app

    base, _process = gunicorn
    labels = (("task", "partners.relay_webhook_deliveries"),)
    before = _samples(_scrape(base), "tongban_celery_task_failures_total").get(labels, 0)

    # A real task given a delivery id that is not a UUID: it raises in the worker.
    result = app.send_task("partners.relay_webhook_deliveries", args=[["not-a-uuid"]])
    result.get(timeout=60, propagate=False)
    assert result.failed()

    assert _samples(_scrape(base), "tongban_celery_task_failures_total")[labels] == before + 1
