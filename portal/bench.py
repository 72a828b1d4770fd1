"""``make bench``: requests per second of the catalogue pages and API, as ratios
to a bare Django view (``/healthz``) served by the same gunicorn.

It builds a private PostgreSQL database (``BENCH_DATABASE_URL``, default
``tongban_bench`` on the local server) with the demo catalogue and
``BENCH_ITEMS`` synthetic items, runs gunicorn in production mode with Redis,
and drives each URL for ``BENCH_SECONDS`` with ``BENCH_CLIENTS`` concurrent
clients. Ratios, not absolute numbers, are what compare across machines.
It finishes with ``EXPLAIN ANALYZE`` of catalogue searches.

Run with ``python -m portal.bench`` from the project folder.
"""

import base64
import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

from config.settings.devkeys import development_rsa_key

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongban_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "10000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
PORT = int(os.environ.get("BENCH_PORT", "8731"))

SEARCH_WORDS = [
    "营业执照",
    "yyzz",
    "社保卡",
    "公积金",
    "护照",
    "低保",
    "补贴",
    "登记",
    "许可",
    "证明",
    "备案",
    "zhizhao",
]
TARGETS = [
    ("bare Django view (/healthz)", lambda n: "/healthz"),
    ("home page (cached)", lambda n: "/"),
    ("guide page (cached)", lambda n: "/services/440100-SCJG-001/"),
    ("search page (cached)", lambda n: "/search/?q=" + urllib.parse.quote("营业执照")),
    ("search page (uncached, varied)", lambda n: f"/search/?q={urllib.parse.quote(SEARCH_WORDS[n % 12])}&page={n}"),
    ("API list with q (uncached)", lambda n: "/api/v1/services/?q=" + urllib.parse.quote(SEARCH_WORDS[n % 12])),
    ("API guide (uncached)", lambda n: "/api/v1/services/440100-SCJG-001/"),
]

EXPLAIN_SCRIPT = """
import re
from django.db import connection
from services import selectors
for query in ("营业执照", "yyzz", "社保卡", "登记"):
    sql, params = selectors.service_item_search(query=query)[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE) " + sql, params)
        plan = "\\n".join(row[0] for row in cursor.fetchall())
    execution = re.search(r"Execution Time: ([\\d.]+) ms", plan).group(1)
    print(f"  {query:<8} execution {execution} ms, GIN index used: {'services_item_search_gin' in plan}")
"""


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX="tongban-bench",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        LOG_LEVEL="WARNING",
        CATALOGUE_CACHE_RELEASE=f"bench-{secrets.token_hex(4)}",
        # The benchmark measures serving, not the throttle.
        CATALOGUE_ANON_RATE="100000000/minute",
        # Throwaway keys: production settings refuse to start without real ones.
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        OIDC_PAIRWISE_SUBJECT_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        OIDC_RSA_PRIVATE_KEY=development_rsa_key(),
        # A benchmark, not a deployment: it knowingly runs every stand-in production otherwise refuses.
        TONGBAN_STAGING_SANDBOXES="sms-console,identity-sandbox,enterprise-sandbox,no-malware-scan,payments-sandbox",
    )
    return env


def _create_database() -> None:
    parsed = urllib.parse.urlparse(DATABASE_URL)
    name = parsed.path.lstrip("/")
    server = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')  # name from our own setting


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own fixed command line
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _drive(path_for, seconds: float) -> tuple[int, int]:
    done, errors = [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        n = offset
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            try:
                connection.request("GET", path_for(n), headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            finally:
                connection.close()
            with lock:
                done[0] += ok
                errors[0] += not ok
            n += CLIENTS

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0], errors[0]


def _wait_until_up(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    env = _environment()
    print(f"Preparing {DATABASE_URL} with the demo catalogue and {ITEMS} synthetic items …")
    _create_database()
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "collectstatic", "--noinput", "-v0")
    _manage(env, "seed_demo", "--services", str(ITEMS))
    # The public certificate verification page (the QR code's address) is a hot path of its own.
    token = _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from certificates.models import Certificate; print(Certificate.objects.order_by('pk').first().token)",
    ).strip()
    TARGETS.append(("certificate verification page", lambda n: f"/certificates/verify/{token}/"))

    server = subprocess.Popen(  # noqa: S603 - our own fixed command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            WORKERS,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up()
        for _name, path_for in TARGETS:  # warm caches and connections
            _drive(path_for, 0.5)
        print(f"\ngunicorn, {WORKERS} sync workers, {CLIENTS} clients, {SECONDS:g} s per URL (same machine)\n")
        baseline = None
        for name, path_for in TARGETS:
            done, errors = _drive(path_for, SECONDS)
            rate = done / SECONDS
            baseline = baseline or rate
            print(f"  {name:<34} {rate:8.1f} req/s   {rate / baseline:5.2f}× bare   errors {errors}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print("\nEXPLAIN ANALYZE of catalogue search (first page of 20):")
    print(_manage(env, "shell", "--no-imports", "-c", EXPLAIN_SCRIPT), end="")


if __name__ == "__main__":
    main()
