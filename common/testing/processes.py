"""Real processes for tests: a disposable Redis server and a Celery worker.

Tests of background work run these instead of mocks, so they exercise the
same broker protocol, serialisation and database commits as production.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def database_url(database: dict, name: str | None = None) -> str:
    """A URL for an entry of Django's DATABASES (a test process's ``connection.settings_dict``), or
    for database ``name`` on its server: what a worker process started by a test connects to."""
    user = urllib.parse.quote(database.get("USER") or "postgres")
    password = database.get("PASSWORD")
    credentials = f"{user}:{urllib.parse.quote(password)}" if password else user
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{name or database['NAME']}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DisposableRedis:
    """A private ``redis-server`` on a free loopback port that a test may stop
    and start again, to simulate an outage without touching the shared Redis.
    """

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise RuntimeError("redis-server is not installed; .ci/run installs it (Debian package redis-server).")
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="tongban-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class _CeleryProcess:
    """A ``celery -A config …`` subprocess in its own process group, logging to a temporary file."""

    log_prefix = "tongban-celery-"

    def __init__(self, *, broker_url: str, extra_env: dict | None = None):
        self.broker_url = broker_url
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=self.log_prefix, suffix=".log")[1])

    def _spawn(self, arguments: list[str], **env) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "REDIS_URL": self.broker_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.broker_url,
            **env,
            **self.extra_env,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", *arguments],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so a drill can kill the process and its children at once.
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the process and its children (``SIGKILL``: a crash)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None:
            # Children left behind by a killed process (a worker's pool) go too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


class CeleryWorkerProcess(_CeleryProcess):
    """``celery -A config worker`` in a subprocess, consuming a private queue.

    :param database_url: the test database the worker must use (pytest-django
        creates ``test_<name>``); data the test wants the worker to see must be
        committed, so such tests use ``transactional_db``.
    :param broker_url: the Redis the worker and the test process share.
    """

    def __init__(self, *, database_url: str, broker_url: str, extra_env: dict | None = None, pool: str = "solo"):
        super().__init__(broker_url=broker_url, extra_env=extra_env)
        self.pool = pool
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.hostname = f"{self.queue}@%h"
        self.database_url = database_url

    def start(self) -> None:
        self._spawn(
            [
                "worker",
                "--pool",
                self.pool,
                *(["--concurrency", "2"] if self.pool == "prefork" else []),
                "--queues",
                self.queue,
                "--hostname",
                self.hostname,
                # prefork runs as production does (gossip, mingle, heartbeat on).
                *(["--without-gossip", "--without-mingle", "--without-heartbeat"] if self.pool == "solo" else []),
                "--loglevel",
                "INFO",
            ],
            TEST_DATABASE_URL=self.database_url,
        )

    def wait_until_ready(self, timeout: float = 180) -> None:
        """Block until the worker logs that it is consuming (slow on a loaded machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready after {timeout} s:\n{self.log()}")


class CeleryBeatProcess(_CeleryProcess):
    """``celery -A config beat`` in a subprocess with its own schedule file; the
    scheduler is the settings' (``common.beat.SingleBeatScheduler``)."""

    log_prefix = "tongban-beat-"

    def __init__(self, *, broker_url: str, schedule_path: Path, extra_env: dict | None = None):
        super().__init__(broker_url=broker_url, extra_env=extra_env)
        self.schedule_path = schedule_path

    def start(self) -> None:
        self._spawn(["beat", "--loglevel", "INFO", "-s", str(self.schedule_path)])

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("beat is not running")
        return self.process.pid

    def kill(self) -> None:
        """``SIGKILL``: a crash, leaving its lock to expire."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
