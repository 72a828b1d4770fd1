"""Where the benchmark's databases, Redis and keys are, and the environment its
Tongban processes run with (production settings, throttles raised)."""

import base64
import json
import os
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"

SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASE_PREFIX = "tongban_bench_"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4" if QUICK else "8"))
PORT_TONGBAN = int(os.environ.get("BENCH_PORT", "8741"))
PORT_CALIBRATION = PORT_TONGBAN + 1


@dataclass(frozen=True)
class Dataset:
    """A dataset size. ``name`` picks the database ``tongban_bench_<name>``."""

    name: str
    items: int
    residents: int
    applications: int

    @property
    def database_url(self) -> str:
        return database_url(DATABASE_PREFIX + self.name)


SMALL = Dataset("small", items=200, residents=1_000, applications=10_000)
LARGE = Dataset("large", items=10_000, residents=100_000, applications=1_000_000)
DATASETS = {dataset.name: dataset for dataset in (SMALL, LARGE)}


def database_url(name: str) -> str:
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError(f"benchmark databases are named {DATABASE_PREFIX}*, not {name}")
    return urllib.parse.urlparse(SERVER_URL)._replace(path="/" + name).geturl()


CALIBRATION_DATABASE_URL = database_url(DATABASE_PREFIX + "calibration")


def _keys() -> dict:
    """Keys kept between runs (in var/bench/, git-ignored): the datasets hold data encrypted,
    indexed and signed with them, and are kept between runs."""
    from cryptography.fernet import Fernet

    from config.settings.devkeys import development_rsa_key

    path = VAR / "keys.json"
    if path.exists():
        keys = json.loads(path.read_text())
    else:
        keys = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "OIDC_PAIRWISE_SUBJECT_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    keys["OIDC_RSA_PRIVATE_KEY"] = development_rsa_key(VAR / "oidc-rsa.pem")
    return keys


def _inherited_environment() -> dict:
    """This process's environment without the settings it may carry for tests or the benchmark itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE", "BENCH_"))}


def tongban_environment(dataset: Dataset, *, run_id: str) -> dict:
    """The environment of Tongban's gunicorn and of the helper processes that prepare it."""
    env = _inherited_environment()
    env.update(_keys())
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=dataset.database_url,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=f"tongban-bench-{dataset.name}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # Plain HTTP on the loopback; cookies stay Secure, so load scripts carry them by hand.
        DJANGO_SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(VAR / "static"),
        PRIVATE_MEDIA_ROOT=str(VAR / "private" / dataset.name),
        MEDIA_ROOT=str(VAR / "media" / dataset.name),
        LOG_LEVEL="ERROR",
        # A fresh catalogue cache generation per run: the first request of a run renders.
        CATALOGUE_CACHE_RELEASE=f"bench-{run_id}",
        # The benchmark measures serving, not the throttles.
        CATALOGUE_ANON_RATE="100000000/minute",
        CATALOGUE_TOKEN_RATE="100000000/minute",  # noqa: S106 - a rate, not a password
        # A benchmark, not a deployment: it knowingly runs every stand-in production otherwise refuses.
        TONGBAN_STAGING_SANDBOXES="sms-console,identity-sandbox,enterprise-sandbox,no-malware-scan,payments-sandbox,face-check-sandbox",
        PYTHONPATH=str(ROOT),
    )
    return env


def calibration_environment() -> dict:
    env = _inherited_environment()
    env.update(
        DJANGO_SETTINGS_MODULE="bench.calibration.settings",
        CALIBRATION_DATABASE_URL=CALIBRATION_DATABASE_URL,
        REDIS_URL=REDIS_URL,
        PYTHONPATH=str(ROOT),
    )
    return env
