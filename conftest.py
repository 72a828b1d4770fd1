"""Shared fixtures. Tests run against the real PostgreSQL and Redis; see
config/settings/test.py for the URLs and how to override them."""

import io
import os

import psycopg
import pytest
import redis
from django.conf import settings

from common.testing.database import seeded_once, seeded_rows
from common.testing.processes import CeleryWorkerProcess, DisposableRedis, database_url

# The browser tests' Chromium, pages and helpers.
pytest_plugins = ["common.testing.browser"]

# pytest-django's live_server runs Django in a thread next to Playwright's
# event loop; Django's async-safety guard would otherwise refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _service_problems() -> list[str]:
    problems = []
    database = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=database.get("HOST") or "127.0.0.1",
            port=database.get("PORT") or 5432,
            user=database.get("USER") or "postgres",
            password=database.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        problems.append(
            f"PostgreSQL is not reachable at {database.get('HOST')}:{database.get('PORT')} ({exc}).\n"
            "    Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "    or point TEST_DATABASE_URL at a server you can use."
        )
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        problems.append(
            f"Redis is not reachable at {settings.REDIS_URL} ({exc}).\n"
            "    Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no\n"
            "    or point REDIS_URL at a server you can use."
        )
    return problems


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each test database is a copy of one migrated once for this state of the code
    (common/testing/migrated_template.py), not migrated again from empty."""
    from common.testing.migrated_template import migrated_template

    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["TEMPLATE"] = migrated_template(database_url(database, "postgres"))


def pytest_sessionstart(session):
    problems = _service_problems()
    if problems:
        pytest.exit("The test suite needs real services:\n  " + "\n  ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache():
    """Each test starts with no cached catalogue pages (they are keyed by a generation in the cache)."""
    from services.cache import catalogue_changed

    catalogue_changed()


def _seed_catalogue() -> None:
    from services import demo

    demo.seed()


# The demo catalogue's rows, seeded once per test process and copied into each test's tables.
_demo_catalogue_rows, demo_catalogue_rows = seeded_rows(_seed_catalogue, name="demo_catalogue_rows")


@pytest.fixture
def catalogue(demo_catalogue_rows):
    """The demo catalogue: 67 items, 13 departments, topics, bundles and synonyms."""
    from services.cache import catalogue_changed

    # seed() invalidates on commit, which a test's transaction never reaches.
    catalogue_changed()


def _seed_demo() -> None:
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())


# For live-server tests: the data ``seed_demo`` lays down, seeded once per module and put back
# before each test that asks for ``demo_data`` (common/testing/database.py).
_demo_data_snapshot, demo_data = seeded_once(_seed_demo, name="demo_data")


@pytest.fixture
def test_ping_template():
    """The ``test.ping`` message, registered for this test only (never in production code)."""
    from notifications.templates import message_templates, register_template
    from notifications.tests.templates import TEST_PING

    with message_templates.fresh():
        yield register_template("test.ping", TEST_PING)


@pytest.fixture
def disposable_redis():
    """A private Redis server that the test may stop (``.stop()``) and restart (``.start()``)."""
    server = DisposableRedis()
    server.start()
    yield server
    server.close()


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker process on the test database, consuming a private queue.

    Tasks sent by the test go to that queue (the test process's default queue is
    switched for the test's duration). Data must be committed to be seen by the
    worker, hence ``transactional_db``.
    """
    from django.db import connection

    from config.celery import app

    database = connection.settings_dict
    worker = CeleryWorkerProcess(database_url=database_url(database), broker_url=settings.CELERY_BROKER_URL)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = worker.queue
    worker.start()
    worker.wait_until_ready()
    try:
        yield worker
    finally:
        app.conf.task_default_queue = previous_queue
        worker.stop()


@pytest.fixture
def celery_on_disposable_redis(transactional_db, disposable_redis):
    """A real worker and this test process, both using a private Redis as broker,
    so the test can stop and restart the broker (``.redis.stop()``/``.start()``).

    Yields ``(worker, redis)``.
    """
    from django.db import connection

    from config.celery import app

    database = connection.settings_dict
    worker = CeleryWorkerProcess(database_url=database_url(database), broker_url=disposable_redis.url)
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}

    def reset_connections():
        # Celery caches its pools and result backend, and its pools are kombu's
        # global ones keyed by broker URL: reset them all (closing one in place
        # would leave a closed pool in kombu's registry for the next test).
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(
        broker_url=disposable_redis.url, result_backend=disposable_redis.url, task_default_queue=worker.queue
    )
    reset_connections()
    worker.start()
    worker.wait_until_ready()
    try:
        yield worker, disposable_redis
    finally:
        worker.stop()
        app.conf.update(**saved)
        reset_connections()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Django's LocaleMiddleware leaves a request's language active in the thread,
    so a test fetching an /en/ page would turn the tests after it English."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
