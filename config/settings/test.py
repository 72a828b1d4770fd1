"""Test settings: always the real PostgreSQL and Redis.

``TEST_DATABASE_URL`` and ``REDIS_URL`` default to the services on this
machine. pytest-django creates ``test_<name>`` from the database named here.
"""

import os
import urllib.parse

# Point the shared base at real services before it is evaluated.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# Each pytest-xdist worker on a Redis database of its own (the next numbers after REDIS_URL's):
# django-redis's cache.clear() is FLUSHDB, and a test in one worker that cleared the cache took
# the sessions and counters of the other worker's test with it (a query-count test then saw an
# extra session read). Set once, in the environment the worker's own processes inherit.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and not os.environ.get("TONGBAN_TEST_REDIS_PER_WORKER"):
    _redis = urllib.parse.urlparse(os.environ["REDIS_URL"])
    _database = (int(_redis.path.strip("/") or 0) + int(_xdist_worker[2:])) % 16
    os.environ["REDIS_URL"] = _redis._replace(path=f"/{_database}").geturl()
    os.environ["TONGBAN_TEST_REDIS_PER_WORKER"] = "1"
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongban")

# After the environment above, which the base settings read.
from .base import *  # noqa: E402
from .base import BASE_DIR, DATABASES, OAUTH2_PROVIDER  # noqa: E402

DEBUG = False
# A pool per test database is pointless, and it keeps connections open across
# pytest-django's database setup and teardown.
DATABASES["default"]["OPTIONS"].pop("pool", None)
# A replica alias on the same test database (common/db_router.py): inactive until a test
# names it in DATABASE_REPLICAS.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}, "ATOMIC_REQUESTS": False}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Keep test keys apart from a developer's cache in the same Redis.
CACHES["default"]["KEY_PREFIX"] = "tongban-test"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
LOG_FORMAT = "console"
# Tests change the catalogue from other processes (Celery workers, management commands) and read
# pages at once: the generation is read on every request; the memory copies themselves still serve
# (portal/tests/test_page_memory.py sets a window of its own).
CATALOGUE_MEMORY_SECONDS = 0
# Query-count tests compare two requests of one signed-in client; on a busy CI machine a minute
# could pass between them and the second would also move the idle clock on (one session write
# more). Tests of that write set a resolution of their own (identity/tests/test_login.py).
SESSION_ACTIVITY_RESOLUTION = 24 * 3600

# N+1 detection (django-zeal, a development requirement): every request the suite makes is
# one scope (common/testing/n_plus_one.py), and an N+1 in it raises NPlusOneError.
# Allowlist an entry only with a comment saying why.
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = ["common.testing.n_plus_one.request_scope_middleware", *MIDDLEWARE]
ZEAL_RAISE = True
ZEAL_SHOW_ALL_CALLERS = False
ZEAL_ALLOWLIST = [
    # django-oauth-toolkit's endpoints look their rows up by key through oauthlib's validator
    # callbacks, which fetch the same application, grant or token more than once in one
    # request (the authorization view, then the token endpoint): single-row lookups inside
    # the library, not a loop over rows.
    {"model": "oauth2_provider.*", "field": "get()"},
    # Django admin's delete confirmation lists every row the deletion takes with it by str(),
    # one row at a time (django.contrib.admin.utils.get_deleted_objects); an official's
    # department role names its user there.
    {"model": "applications.DepartmentOfficial", "field": "user"},
]

# Static files come from the app folders (WhiteNoise finders): no collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

SMS_BACKEND = "common.sms.backends.locmem.LocmemSmsBackend"
# Webhook receivers on this machine (http://127.0.0.1:…) are allowed here.
WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
# A throwaway OIDC signing key per test process, unless one is given.
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:
    from .devkeys import development_rsa_key

    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = development_rsa_key()
