"""The web server's access log masks personal data: a real gunicorn started
the way the Procfile starts it, and Django's runserver logger."""

import io
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from common.testing.processes import free_port

ID_NUMBER = "11010519491231002X"
MOBILE = "13912348888"
QUERY = f"/healthz?id_number={ID_NUMBER}&mobile={MOBILE}"


@pytest.fixture
def gunicorn_access_log(tmp_path):
    """A gunicorn serving the project on a free loopback port; yields (base URL, access log path)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    server = subprocess.Popen(
        [
            gunicorn,
            "config.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
            "--error-logfile",
            str(tmp_path / "error.log"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310 - loopback
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start: " + (tmp_path / "error.log").read_text()) from None
                time.sleep(0.1)
        yield base, access_log
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_gunicorn_access_log_masks_id_and_mobile_numbers_in_the_query_string(gunicorn_access_log):
    base, access_log = gunicorn_access_log
    with urllib.request.urlopen(base + QUERY, timeout=5) as response:  # noqa: S310 - loopback
        assert response.status == 200
    deadline = time.monotonic() + 5
    while "id_number=" not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)

    lines = [line for line in access_log.read_text().splitlines() if "id_number=" in line]
    assert len(lines) == 1
    (line,) = lines
    assert "GET /healthz?id_number=1101**********002X&mobile=139****8888" in line
    assert ID_NUMBER not in line
    assert MOBILE not in line


def test_django_runserver_request_log_is_masked():
    """runserver logs each request on ``django.server``, which Django gives its own
    unmasked handler unless LOGGING routes it through ours."""
    logger = logging.getLogger("django.server")
    # pytest adds its own capture handlers; the deployment's are the others.
    handlers = [handler for handler in logger.handlers if not type(handler).__module__.startswith("_pytest")]
    assert handlers
    stream = io.StringIO()
    for handler in handlers:
        record = logger.makeRecord(
            "django.server", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 200 15', (QUERY,), None
        )
        stream.write(handler.format(record) + "\n")
    text = stream.getvalue()
    assert "/healthz?id_number=1101**********002X&mobile=139****8888" in text
    assert ID_NUMBER not in text
    assert MOBILE not in text
