"""Which registry a scrape reads.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn's workers, Celery's pool), every process
writes its counters to files in that directory and ``MultiProcessCollector`` adds them up,
so any worker answering /metrics reports the whole server. ``METRICS_MULTIPROC_EXTRA_DIRS``
adds other services' directories on the same host (the Celery worker's: its task-failure
and webhook counters), read the same way. Without the variable, this process's
own default registry is read (``runserver``, tests). The scrape-time collectors are added
to a fresh registry at each scrape either way, so they run only in the answering process.
"""

import glob
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .collectors import ScrapeTimeCollector


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def check_multiprocess_dir() -> None:
    """Refuse to start with ``PROMETHEUS_MULTIPROC_DIR`` naming no writable directory: every
    counted request would fail writing its value (checked when the app loads)."""
    directory = multiprocess_dir()
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={directory} is not a writable directory: create it (empty) before "
            "starting, or unset the variable (docs/operations.md)."
        )


class MultiDirectoryCollector:
    """prometheus-client's ``MultiProcessCollector`` over several directories at once, so
    a series written by the web workers and by the Celery worker comes out as one sum."""

    def __init__(self, directories: list[str]):
        self.directories = directories

    def collect(self):
        files = [name for directory in self.directories for name in glob.glob(os.path.join(directory, "*.db"))]
        return MultiProcessCollector.merge(files, accumulate=True)


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        directories = [multiprocess_dir(), *settings.METRICS_MULTIPROC_EXTRA_DIRS]
        registry.register(MultiDirectoryCollector([d for d in directories if os.path.isdir(d)]))
    else:
        # A registry is itself a collector: this process's counters, plus the process
        # and garbage-collector series prometheus-client registers by default.
        registry.register(REGISTRY)
    registry.register(ScrapeTimeCollector())
    return registry


def exposition() -> bytes:
    return generate_latest(scrape_registry())
