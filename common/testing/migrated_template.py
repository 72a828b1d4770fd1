"""A migrated database to copy test databases from, built once per state of the code.

Migrating an empty database takes 25-30 s of CPU (Django renders the model states of 117
migrations; django-oauth-toolkit's 0021 alone re-renders every model related to the user five
times), and ``make test``, ``make drills`` and ``make scale-test`` each needed one or two.
PostgreSQL copies a database from a template in about a second, so the first of them migrates
``tongban_migrated_<key>`` and every test database is created from it (``TEST["TEMPLATE"]``),
with Django's own ``migrate`` then finding nothing to apply.

The key is a digest of everything a migration may read: the project's code and data outside
its tests, and the pinned requirements. Any change to them builds a new template (and drops
the old ones); a change to tests only does not.
"""

import hashlib
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PREFIX = "tongban_migrated_"
# Folders and files that hold no code a migration runs (tests change often and migrate nothing).
_NOT_CODE = {".git", ".venv", "var", "node_modules", "tests", "testing", "docs", "bench", "__pycache__", "static"}
_NOT_CODE_FILES = {"conftest.py"}
_CODE_SUFFIXES = {".py", ".json", ".csv", ".txt", ".yaml", ".yml", ".toml", ".ics"}
# A PostgreSQL advisory lock id: one template build at a time across processes (xdist workers).
_LOCK_ID = 0x7442_6D69


def code_key() -> str:
    """A digest of the project's code, data and requirements, without its tests."""
    digest = hashlib.sha256()
    for root, folders, files in os.walk(BASE_DIR):
        folders[:] = sorted(folder for folder in folders if folder not in _NOT_CODE and not folder.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if path.suffix in _CODE_SUFFIXES and name not in _NOT_CODE_FILES:
                digest.update(str(path.relative_to(BASE_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _on_server(server_url: str, name: str) -> str:
    return urllib.parse.urlparse(server_url)._replace(path=f"/{name}").geturl()


def migrated_template(server_url: str, *, settings_module: str = "config.settings.test") -> str:
    """The name of a database on the server ``server_url`` points at (any of its databases) that
    holds every migration applied, built now (``manage.py migrate`` under ``settings_module``) if
    this state of the code has none.

    Safe to call from several processes at once: one builds, the others wait for it. A build is
    renamed into place only when its migrations have all run.
    """
    name = PREFIX + code_key()
    with psycopg.connect(_on_server(server_url, "postgres"), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            existing = [
                row[0]
                for row in admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (PREFIX,))
            ]
            if name in existing:
                return name
            for stale in existing:
                admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            building = name + "_building"
            admin.execute(f'CREATE DATABASE "{building}"')
            target = _on_server(server_url, building)
            environment = {
                key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))
            }
            environment.update(DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=target, TEST_DATABASE_URL=target)
            result = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=BASE_DIR,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                raise RuntimeError(f"Migrating the template database failed:\n{result.stdout}\n{result.stderr}")
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            return name
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
