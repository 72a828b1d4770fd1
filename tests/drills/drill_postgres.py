"""Drill: PostgreSQL restarted under a load of submissions (CONN_HEALTH_CHECKS),
with no application left without its files. The drill runs its own cluster
(initdb/pg_ctl on a spare port); the shared server is untouched."""

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from common.testing.processes import free_port

from .harness import Report

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        pytest.fail(f"{name} not found under /usr/lib/postgresql/*/bin (Debian package postgresql)")
    return candidates[-1]


class PrivatePostgres:
    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="tongban-pg-"))
        self.data = self.directory / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.directory, "postgres")

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, _pg_bin("pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def init(self) -> None:
        subprocess.run(
            [*self.as_postgres, _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.directory / "log"), "-w", "start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")
        time.sleep(2)
        self.start()

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def test_postgresql_restarted_under_load_loses_nothing_and_leaves_no_case_without_files(tmp_path):
    report = Report("postgres-restart")
    server = PrivatePostgres()
    server.init()
    server.start()
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "TEST_DATABASE_URL": server.url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        result = tmp_path / "result.json"
        load = subprocess.Popen(
            [sys.executable, "-m", "tests.drills.pg_load", "40", str(tmp_path / "media"), str(result)],
            cwd=ROOT,
            env=env,
        )
        ready = Path(f"{result}.ready")
        started = time.monotonic()
        while not ready.exists():
            assert load.poll() is None, "the load process stopped before it began"
            assert time.monotonic() - started < 300, "the load process did not begin in 5 minutes"
            time.sleep(0.2)
        for _ in range(2):
            time.sleep(12)
            server.restart()
            report.faults_injected += 1
        assert load.wait(timeout=300) == 0
        counts = json.loads(result.read_text())
    finally:
        server.close()

    report.requests_sent = counts["sent"]
    report.acknowledged = counts["acknowledged"]
    report.requests_lost = counts["lost"] + counts["materials_without_files"]
    report.notes.append(
        f"refused during restarts {len(counts['refused'])} ({sorted(set(counts['refused']))}), "
        f"applications {counts['applications']}, orphan files {counts['orphan_files']}"
    )
    report.print()
    assert counts["acknowledged"] > 0
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0
    assert counts["materials_without_files"] == 0
