"""Settings of ``make scale-test``: production, plus what a plain-HTTP staging run on one machine needs.

Everything else (the database pool, WhiteNoise's hashed static files, cached_db
sessions, the beat lock, the replica router) is production's own.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import CELERY_BEAT_SCHEDULE

# The sandbox payment gateway and its cashier pages (a staging deployment's choice).
SANDBOX_GATEWAYS_ENABLED = True
# The test client talks plain HTTP to the balancer: cookies without the Secure flag, no HSTS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Minutes, not hours: the sweeps that catch a notification lost with a killed worker run often.
CELERY_BEAT_SCHEDULE["notifications-sweep-outbox"]["schedule"] = 10.0
CELERY_BEAT_SCHEDULE["payments-query-pending-orders"]["schedule"] = 20.0
CELERY_BEAT_SCHEDULE["payments-relay-order-events"]["schedule"] = 15.0
# Hashed names as in production, without WhiteNoise's gzip/brotli pass over every file
# (minutes of CPU on a shared 2-core machine, and nothing this test measures).
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}  # noqa: F405
