"""The Celery app, configured from Django settings (``CELERY_*``).

Run a worker with ``celery -A config worker`` and beat with ``celery -A config beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tongban")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
