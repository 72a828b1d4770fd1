"""Settings shared by every mode.

Every value comes from the environment (django-environ). Two modes follow from
what is set:

* **Embedded default** (``DATABASE_URL`` unset): SQLite in the project folder,
  the local-memory cache and Celery tasks run in-process. ``make demo`` needs
  nothing else.
* **Production mode** (``DATABASE_URL`` and ``REDIS_URL`` set): PostgreSQL with
  psycopg 3's connection pool, Redis for the cache, sessions and the Celery
  broker, and a real worker and beat.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; real deployments set the
# environment themselves.
env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
# Only local and test settings may fall back to this key; production refuses it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-tongban-local-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env("DJANGO_SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "identity.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # Audit: row-level history of the tracked models, written by database triggers.
    "pgtrigger",
    "pghistory",
]
LOCAL_APPS = [
    "common",
    "audit",
    "identity",
    "services",
    "notifications",
    "partners",
    "certificates",
    "payments",
    "payments.contrib.sandbox",
    "applications",
    "complaints",
    "supervision",
    "marketplace",
    "benefits",
    "dashboard",
    "portal",
    "monitoring",
]
# The OAuth2 provider comes after our apps so that identity's
# templates/oauth2_provider/ override the toolkit's own consent page.
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS + ["oauth2_provider"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.middleware.RequestIdMiddleware",
    # RateLimit-Limit/-Remaining/-Reset on throttled API answers (common/ratelimit.py).
    "common.ratelimit.RateLimitHeadersMiddleware",
    # django-csp's, with the site-wide policy built once per process (common/middleware.py).
    "common.middleware.CSPMiddleware",
    # Anonymous GETs of public pages and bearer-token API calls are "stateless": the
    # session, auth, OTP, messages, session-timeout and axes middleware below pass them
    # straight on (common/middleware.py), so they never load a session or set a cookie.
    "common.middleware.StatelessRequestMiddleware",
    "common.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "common.middleware.AuthenticationMiddleware",
    "common.middleware.OTPMiddleware",
    # After authentication: the user, path, client IP and request id go with every audited write.
    "audit.middleware.AuditContextMiddleware",
    "common.middleware.MessageMiddleware",
    # NUL characters refused; domain errors, lock conflicts and Redis outages escaping a view answered (not 500).
    "common.request_guard.RequestGuardMiddleware",
    "identity.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns lockout signals into responses.
    "common.middleware.AxesMiddleware",
]
# django-axes looks for its middleware by exact dotted path; ours is a subclass that
# only skips stateless requests (common.middleware.AxesMiddleware, tested in
# common/tests/test_stateless_requests.py), so its "middleware missing" warning is wrong here.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "identity.context_processors.account",
            ],
        },
    },
    # Rows that the hot pages repeat (我的办件, search results): common/fragments.py renders
    # them with Jinja2 from <app>/jinja2/, into the Django template as one value. Pages stay
    # Django templates; the fragments hold no text of their own to translate.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "fragments",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "common.fragments.environment"},
    },
]

# ------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------
if env("DATABASE_URL", default=""):
    _database = env.db("DATABASE_URL")
    # psycopg 3's native pool (Django 5.1+) requires CONN_MAX_AGE = 0; health
    # checks let connections recover after a database restart.
    _database["CONN_MAX_AGE"] = 0
    # One request, one transaction: a view that fails after writing leaves
    # nothing behind, and outbox messages leave only after the commit.
    _database["ATOMIC_REQUESTS"] = True
    _database["CONN_HEALTH_CHECKS"] = True
    _database.setdefault("OPTIONS", {})
    # Prepared statements only where a read asks for them (common/prepared.py, server_prepared):
    # psycopg never prepares on its own below this threshold, and prepares nothing at all with
    # None (Django's default), for poolers that cannot keep them (PgBouncer in transaction mode
    # before 1.21): DATABASE_PREPARED_STATEMENTS=false.
    _database["OPTIONS"]["prepare_threshold"] = (
        2**31 - 1 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
    if env.bool("DATABASE_POOL", default=True):
        _database["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    DATABASES = {"default": _database}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env("SQLITE_PATH", default=str(BASE_DIR / "var" / "tongban.sqlite3"))),
            "OPTIONS": {"timeout": 20},
            "ATOMIC_REQUESTS": True,
        }
    }

# Read replicas (docs/deployment.md): read-only catalogue reads in GET/HEAD requests go to one of
# these, everything else to the primary (common/db_router.py). Unset: every query goes to the primary.
DATABASE_REPLICAS = []
for _number, _replica_url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = environ.Env.db_url_config(_replica_url)
    _replica.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=True, ATOMIC_REQUESTS=False)
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_REPLICA_READ_APPS = env.list("DATABASE_REPLICA_READ_APPS", default=["services"])
DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]

# ------------------------------------------------------------------------------
# Cache, sessions and Celery
# ------------------------------------------------------------------------------
# The public origin of this deployment (scheme and host, no trailing slash): links in
# messages and documents, and the base of every problem+json ``type`` URI, which
# resolves to its entry in the partner guide's error catalogue (/developers/errors/).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PROBLEM_TYPE_BASE = SITE_URL + "/developers/errors/"
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="tongban"),
            "OPTIONS": {
                # Fail fast: a slow Redis must not hang every request.
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # Degrade, don't fail: with Redis down a read is a miss and a write is
                # skipped (logged), so pages render uncached and cached_db sessions are
                # read from and written to the database.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Sessions live in the cache with the database behind it, so web nodes stay
    # stateless and a Redis flush does not log everyone out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "tongban.cache"
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # Embedded default: tasks run in the calling process.
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Acknowledge after the task ran, so a killed worker's task is redelivered.
# Tasks must therefore be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Issue 18: with kombu's ack emulation, Celery 5.7.0's worker exits on a broker
    # restart while a task is in flight (its consumer closes the connection after
    # collect() cleared the transport; restoring the unacknowledged message then
    # raises AttributeError 'NoneType' object has no attribute 'hostname').
    # Without ack emulation a message leaves Redis when delivered, so a killed
    # worker's message is not redelivered: durable work lives in tables that beat
    # sweeps (the outbox, material scans), never only in the broker.
    # See docs/deployment.md.
    "ack_emulation": False,
    # Used only if ack emulation is turned back on: keep it above the longest task.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Keep Django's LOGGING (structlog, personal-data masking) in worker processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
# The queue tasks go to unless routed: tasks a worker queues itself (a sweeper's) follow it too.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": 30.0},
    "applications-flag-overdue": {"task": "applications.flag_overdue", "schedule": 15 * 60.0},
    "identity-keep-eid-signing-key": {"task": "identity.keep_eid_signing_key", "schedule": 3600.0},
    # Face checks: look up pending ones at the provider, expire the stale, lower expired L3 to L2.
    "identity-poll-face-checks": {"task": "identity.poll_face_checks", "schedule": 2 * 60.0},
    "identity-expire-face-checks": {"task": "identity.expire_face_checks", "schedule": 5 * 60.0},
    "identity-lower-expired-assurance": {"task": "identity.lower_expired_assurance", "schedule": 3600.0},
    "applications-sweep-material-scans": {"task": "applications.sweep_material_scans", "schedule": 60.0},
    "common-purge-idempotency-keys": {"task": "common.purge_idempotency_keys", "schedule": 3600.0},
}
# One beat sends the schedule (common/beat.py): it holds a lock in Redis and renews it at
# every tick; a second beat idles, and takes over BEAT_LOCK_TIMEOUT seconds after the first dies.
CELERY_BEAT_SCHEDULER = "common.beat:SingleBeatScheduler"
BEAT_LOCK_REDIS_URL = env("BEAT_LOCK_REDIS_URL", default=CELERY_BROKER_URL if REDIS_URL else "")
BEAT_LOCK_KEY = env("BEAT_LOCK_KEY", default="tongban:beat-lock")
BEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_TIMEOUT", default=60)
BEAT_LOCK_RETRY_SECONDS = env.float("BEAT_LOCK_RETRY_SECONDS", default=5.0)
# Fail fast when the broker is down at publish time: the outbox sweeper
# delivers later, so a request must not hang retrying.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# ------------------------------------------------------------------------------
# Passwords
# ------------------------------------------------------------------------------
# Argon2id with OWASP's minimum parameters (identity/hashers.py) first; the others
# verify older hashes, which are re-hashed with Argon2id at the next sign-in.
# Django's own Argon2PasswordHasher is deliberately absent: it shares the algorithm
# name "argon2", and Django looks hashers up by that name with the last one listed
# winning, so it would shadow ours. Ours verifies any argon2 hash, whatever its
# parameters, since they are read from the hash itself.
PASSWORD_HASHERS = [
    "identity.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ------------------------------------------------------------------------------
# Internationalisation: Simplified Chinese first, English second
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader of either finds their own.
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = False  # Raised to True in production.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# ------------------------------------------------------------------------------
# Static files and uploads
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Uploads are private: they are served only through permission-checked views.
# No URL pattern serves MEDIA_URL, so nothing under it is public.
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Reliability limits (README, "Limits"): decoded image size and API JSON nesting.
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
# clamd's socket or host:port; empty means no malware scanner is configured.
CLAMD_ADDRESS = env("CLAMD_ADDRESS", default="")
# A scan clamd could not answer is retried after BASE × 2^n seconds (at most an hour), MAX times;
# beat's sweeper queues again any material still pending after STUCK seconds, and officials see it as stuck.
MALWARE_SCAN_RETRY_BASE_SECONDS = env.int("MALWARE_SCAN_RETRY_BASE_SECONDS", default=30)
MALWARE_SCAN_MAX_RETRIES = env.int("MALWARE_SCAN_MAX_RETRIES", default=8)
MALWARE_SCAN_STUCK_AFTER_SECONDS = env.int("MALWARE_SCAN_STUCK_AFTER_SECONDS", default=600)
# Where uploads and generated PDFs live (common/storage.py): "local" (PRIVATE_MEDIA_ROOT) or "s3"
# (an S3-compatible bucket through django-storages; MinIO needs S3_ENDPOINT_URL). Every web node
# and worker must see the same files: with several nodes, use s3 or a shared mount.
FILE_STORAGE = env("FILE_STORAGE", default="local")
S3_BUCKET = env("S3_BUCKET", default="")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default="")
S3_REGION = env("S3_REGION", default="")
S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", default="path")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if FILE_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            "region_name": S3_REGION or None,
            "location": "media",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": S3_ADDRESSING_STYLE,
            "signature_version": "s3v4",
        },
    }

# ------------------------------------------------------------------------------
# Security baseline (production.py tightens transport settings)
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# ------------------------------------------------------------------------------
# Django REST framework and OpenAPI
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # drf-spectacular's, adding the 429 of throttled operations (common/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "common.openapi.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "common.api.problem_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Partner systems send OAuth2 bearer tokens; the session serves our own pages.
        # Header only; a bad token is a 401 even where anonymous reads are allowed.
        "identity.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Depth-limited, NUL-refusing JSON (common/parsers.py), then DRF's form parsers.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
}
# How long an Idempotency-Key and its answer are kept (common/idempotency.py): at least this many
# hours; the hourly common.purge_idempotency_keys task deletes older ones.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A retry arriving while the first request with its key still runs waits this long for its
# answer, then gets 409 request_in_flight.
IDEMPOTENCY_KEY_WAIT_SECONDS = env.float("IDEMPOTENCY_KEY_WAIT_SECONDS", default=5.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongban API",
    "DESCRIPTION": "通办 partner API: catalogue, applications, certificates and payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components: a non-blank string says minLength 1, an upload is binary.
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the case status wherever it appears (status, from_status, to_status).
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.constants.Status",
        "WebhookDeliveryStatusEnum": "partners.models.DeliveryStatus",
        "QualificationGradeEnum": "marketplace.constants.Grade",
        "SelectionMethodEnum": "marketplace.constants.SelectionMethod",
    },
    # Every operation's problem+json 4xx answers, stated once for all views.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.problem_responses_hook",
    ],
}

# ------------------------------------------------------------------------------
# Logging: structlog, masking personal data in every line
# ------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="console")  # "json" in production
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "common.logging.MaskingProcessorFormatter",
            "renderer": LOG_FORMAT,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # runserver's request lines (path and query string): through our masking
        # formatter, not Django's default handler for this logger.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "celery": {"level": LOG_LEVEL},
        # Its start-up banner on every command is noise; lockouts are still logged as warnings.
        "axes": {"level": "WARNING"},
    },
}

# ------------------------------------------------------------------------------
# Tongban
# ------------------------------------------------------------------------------
SITE_NAME = "通办"
# Health checks run by /readyz, in order. Each is a dotted path to a callable
# returning None or raising; see common/health.py.
READINESS_CHECKS = {
    "database": "common.health.check_database",
    "cache": "common.health.check_cache",
    "broker": "common.health.check_broker",
}


# ------------------------------------------------------------------------------
# Personal data: encryption at rest and blind indexes (common/crypto.py)
# ------------------------------------------------------------------------------
def _dev_key(purpose: str) -> str:
    import base64

    from common.crypto import derive_key

    return base64.urlsafe_b64encode(derive_key(SECRET_KEY, purpose)).decode()


FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_dev_key("field-encryption")])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default=_dev_key("blind-index"))

# ------------------------------------------------------------------------------
# Identity: accounts, lockout, sessions, SMS, real-name verification, e-ID
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, with the per-request user read compiled once.
    "identity.backends.ModelBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Five failures lock the *account* (the username or mobile typed), whatever the
# client address, for 30 minutes; five failures from one address lock that
# address too (password spraying across accounts). Unknown usernames are
# counted the same way, so the answers never tell which accounts exist.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "identity.views.accounts.locked_out"
# The client address is taken deliberately (identity/security.py): REMOTE_ADDR,
# or the address our own proxies saw when TRUSTED_PROXY_COUNT is set. A client
# can therefore not pick its address through X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "identity.security.client_ip"
# Sign-in records (usernames, addresses) are deleted after this many days by the
# daily identity.purge_axes_logs task; at least 180 (Cybersecurity Law art. 21).
AXES_LOG_RETENTION_DAYS = env.int("AXES_LOG_RETENTION_DAYS", default=180)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Idle timeouts by role, and an absolute limit from login, in seconds.
SESSION_IDLE_TIMEOUT_OFFICIAL = env.int("SESSION_IDLE_TIMEOUT_OFFICIAL", default=30 * 60)
SESSION_IDLE_TIMEOUT_RESIDENT = env.int("SESSION_IDLE_TIMEOUT_RESIDENT", default=2 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# The idle clock is moved on (a session write) at most this often, so ordinary browsing does
# not write the session on every request.
SESSION_ACTIVITY_RESOLUTION = env.int("SESSION_ACTIVITY_RESOLUTION", default=60)

OTP_TOTP_ISSUER = "通办"

# SMS: a dotted path to a backend class (identity/sms/), like EMAIL_BACKEND.
SMS_BACKEND = env("SMS_BACKEND", default="common.sms.backends.console.ConsoleSmsBackend")
# The console backend prints each text (with its code) for the demo; production turns this off.
SMS_CONSOLE_PRINTS_TEXT = True
# The file-backed sandbox provider (common.sms.backends.filebox; drills and tests).
SMS_FILEBOX_PATH = env("SMS_FILEBOX_PATH", default=str(BASE_DIR / "var" / "sms-filebox.jsonl"))
SMS_FILEBOX_DELAY = env.float("SMS_FILEBOX_DELAY", default=0)
# How long an outbox attempt at an outside provider may take before another worker
# looks it up at the provider (and sends again only if the provider does not have it).
OUTBOX_ATTEMPT_LEASE_SECONDS = env.int("OUTBOX_ATTEMPT_LEASE_SECONDS", default=120)
# Partner webhooks (partners/webhooks/): a failing delivery is retried with exponential
# back-off (30 s doubling, at most WEBHOOK_MAX_GAP_SECONDS between tries) until it is
# WEBHOOK_RETRY_HOURS old, then marked failed. A worker holds a delivery for the lease
# while it posts. After a secret rotation the old secret also signs for the overlap.
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=25)
WEBHOOK_FIRST_GAP_SECONDS = env.int("WEBHOOK_FIRST_GAP_SECONDS", default=30)
WEBHOOK_MAX_GAP_SECONDS = env.int("WEBHOOK_MAX_GAP_SECONDS", default=3600)
WEBHOOK_ATTEMPT_LEASE_SECONDS = env.int("WEBHOOK_ATTEMPT_LEASE_SECONDS", default=60)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10)
WEBHOOK_SECRET_OVERLAP_HOURS = env.float("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Plain http to a loopback address (and delivery to loopback at all), for tests and the
# local demo only. Private, link-local and other non-public addresses are always refused.
WEBHOOKS_ALLOW_HTTP_LOOPBACK = env.bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK", default=False)
# Finished webhook deliveries, their attempts and events are kept this long (the delivery log
# partners and officials read; 180 days as every record here), then purged daily.
WEBHOOK_LOG_RETENTION_DAYS = env.int("WEBHOOK_LOG_RETENTION_DAYS", default=180)
SMS_ALIYUN = {
    "ACCESS_KEY_ID": env("SMS_ALIYUN_ACCESS_KEY_ID", default=""),
    "ACCESS_KEY_SECRET": env("SMS_ALIYUN_ACCESS_KEY_SECRET", default=""),
    "SIGN_NAME": env("SMS_ALIYUN_SIGN_NAME", default="通办"),
    "ENDPOINT": env("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"),
    # Provider template codes, by our template name.
    "TEMPLATES": {"verification_code": env("SMS_ALIYUN_TEMPLATE_VERIFICATION_CODE", default="")},
}
SMS_CODE_TTL_SECONDS = 10 * 60
SMS_CODE_MAX_ATTEMPTS = 5
# (count, window in seconds) limits on codes sent.
SMS_RATE_LIMITS_PER_MOBILE = [(1, 60), (5, 3600), (10, 86400)]
SMS_RATE_LIMITS_PER_IP = [(20, 3600), (50, 86400)]

# Real-name verification: the registered verifier to use (identity/verification/).
IDENTITY_VERIFIER = env("IDENTITY_VERIFIER", default="sandbox")
IDENTITY_VERIFIER_HTTP = {
    "BASE_URL": env("IDENTITY_VERIFIER_HTTP_BASE_URL", default=""),
    "APP_ID": env("IDENTITY_VERIFIER_HTTP_APP_ID", default=""),
    "SECRET": env("IDENTITY_VERIFIER_HTTP_SECRET", default=""),
    "TIMEOUT": env.float("IDENTITY_VERIFIER_HTTP_TIMEOUT", default=5.0),
}
IDENTITY_VERIFICATION_DAILY_LIMIT = 5

# Enterprise verification (企业登记核验): the registered enterprise verifier to use
# (identity/verification/): "sandbox" (demo enterprises kept in the admin) or "http".
ENTERPRISE_VERIFIER = env("ENTERPRISE_VERIFIER", default="sandbox")
ENTERPRISE_VERIFIER_HTTP = {
    "BASE_URL": env("ENTERPRISE_VERIFIER_HTTP_BASE_URL", default=""),
    "APP_ID": env("ENTERPRISE_VERIFIER_HTTP_APP_ID", default=""),
    "SECRET": env("ENTERPRISE_VERIFIER_HTTP_SECRET", default=""),
    "TIMEOUT": env.float("ENTERPRISE_VERIFIER_HTTP_TIMEOUT", default=5.0),
}
ENTERPRISE_VERIFICATION_DAILY_LIMIT = 10

# ------------------------------------------------------------------------------
# Face checks (实人认证, identity/facecheck/, docs/face-check.md)
# ------------------------------------------------------------------------------
# The registered provider in use: "sandbox" (a page on this site decides: 沙箱, no real check)
# or "tencent" (Tencent Cloud FaceId). Production refuses the sandbox ("face-check-sandbox")
# unless TONGBAN_STAGING_SANDBOXES names it.
FACE_CHECK_PROVIDER = env("FACE_CHECK_PROVIDER", default="sandbox")
# The lowest match score (0-100, the provider's similarity with the registry photo) that passes;
# Tencent recommends 70 (about one false match in a thousand) and more for higher stakes.
FACE_CHECK_MIN_SCORE = Decimal(env("FACE_CHECK_MIN_SCORE", default="70"))
# A check not finished this long after it started becomes expired (beat: identity.expire_face_checks).
FACE_CHECK_PENDING_TTL_MINUTES = env.int("FACE_CHECK_PENDING_TTL_MINUTES", default=30)
# At most this many face checks per user in 24 hours (each one is a paid provider call).
FACE_CHECK_DAILY_LIMIT = env.int("FACE_CHECK_DAILY_LIMIT", default=10)
# The public origin providers call back and send browsers back to (our callback view's host).
FACE_CHECK_CALLBACK_BASE_URL = env("FACE_CHECK_CALLBACK_BASE_URL", default=SITE_URL)
# The SANDBOX provider signs its callbacks with this (HMAC-SHA256 over the body).
FACE_CHECK_SANDBOX_SECRET = env("FACE_CHECK_SANDBOX_SECRET", default="tongban-face-check-sandbox-secret")
# Tencent Cloud FaceId (实名核身): API keys (CAM), the business rule (RuleId) from the console,
# the region and endpoint. Requests are signed with TC3-HMAC-SHA256.
FACE_CHECK_TENCENT = {
    "SECRET_ID": env("FACE_CHECK_TENCENT_SECRET_ID", default=""),
    "SECRET_KEY": env("FACE_CHECK_TENCENT_SECRET_KEY", default=""),
    "RULE_ID": env("FACE_CHECK_TENCENT_RULE_ID", default=""),
    "REGION": env("FACE_CHECK_TENCENT_REGION", default="ap-guangzhou"),
    "ENDPOINT": env("FACE_CHECK_TENCENT_ENDPOINT", default="https://faceid.tencentcloudapi.com"),
    "TIMEOUT": env.float("FACE_CHECK_TENCENT_TIMEOUT", default=5.0),
}

# Local stand-ins for outside systems (labelled SANDBOX); production turns them off.
SANDBOX_GATEWAYS_ENABLED = env.bool("SANDBOX_GATEWAYS_ENABLED", default=True)

# Online payment (统一在线支付, payments/). The Alipay adapter points at the local
# SANDBOX (payments/contrib/sandbox) and trusts its test keys unless configured;
# production refuses that ("payments-sandbox") unless TONGBAN_STAGING_SANDBOXES names it.
_PAYMENT_SANDBOX_KEYS = BASE_DIR / "payments" / "contrib" / "sandbox" / "keys"
PAYMENTS_SITE_URL = env("PAYMENTS_SITE_URL", default=SITE_URL)
PAYMENTS_DEFAULT_GATEWAY = env("PAYMENTS_DEFAULT_GATEWAY", default="alipay")
PAYMENTS_ORDER_TTL_MINUTES = env.int("PAYMENTS_ORDER_TTL_MINUTES", default=24 * 60)
# The default order point of a guide version that leaves its own (services.ServiceItemVersion.fee_order_point)
# blank: these item codes' fees are ordered at submission, every other fee once the case is accepted.
PAYMENTS_ORDER_AT_SUBMISSION = env.list("PAYMENTS_ORDER_AT_SUBMISSION", default=[])
# Who may attest that a payer is exempt from a fee (payments.exemptions): ids of
# registered exemption sources. The default asks the SANDBOX civil-affairs
# registry; production refuses it unless staging ("exemption-sandbox").
PAYMENTS_EXEMPTION_SOURCES = env.list("PAYMENTS_EXEMPTION_SOURCES", default=["civil-affairs-sandbox"])
PAYMENTS_ALIPAY = {
    "APP_ID": env("ALIPAY_APP_ID", default="2021000000000001"),
    "SELLER_ID": env("ALIPAY_SELLER_ID", default="2088000000000001"),
    "PRIVATE_KEY_FILE": env("ALIPAY_PRIVATE_KEY_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "merchant-private.pem")),
    "ALIPAY_PUBLIC_KEY_FILE": env("ALIPAY_PUBLIC_KEY_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "alipay-public.pem")),
    # The cashier (browser) and the API (server to server) URL; the same URL at Alipay.
    "GATEWAY_URL": env("ALIPAY_GATEWAY_URL", default="/sandbox/payments/alipay/gateway.do"),
    "API_URL": env("ALIPAY_API_URL", default=PAYMENTS_SITE_URL + "/sandbox/payments/alipay/gateway.do"),
    "TIMEOUT": env.float("ALIPAY_TIMEOUT", default=10.0),
    # Said, not guessed: true while the adapter talks to the local SANDBOX (production defaults it to false).
    "SANDBOX": env.bool("ALIPAY_SANDBOX", default=True),
}
PAYMENTS_UNIONPAY = {
    "MER_ID": env("UNIONPAY_MER_ID", default="777290058000001"),
    # The chain a notification's signing certificate must lead to.
    "ROOT_CERT_FILE": env("UNIONPAY_ROOT_CERT_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "unionpay-root.pem")),
    "MIDDLE_CERT_FILE": env("UNIONPAY_MIDDLE_CERT_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "unionpay-middle.pem")),
    # Our requests: signed with the merchant signing certificate's key, named by its serial (certId).
    "CERT_ID": env("UNIONPAY_CERT_ID", default="69629715588"),
    "MERCHANT_PRIVATE_KEY_FILE": env(
        "UNIONPAY_MERCHANT_PRIVATE_KEY_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "merchant-private.pem")
    ),
    # https://gateway.95516.com at UnionPay; the local SANDBOX by default. The front URL is the browser's.
    "FRONT_TRANS_URL": env(
        "UNIONPAY_FRONT_TRANS_URL", default="/sandbox/payments/unionpay/gateway/api/frontTransReq.do"
    ),
    "GATEWAY_URL": env("UNIONPAY_GATEWAY_URL", default=PAYMENTS_SITE_URL + "/sandbox/payments/unionpay"),
    "TIMEOUT": env.float("UNIONPAY_TIMEOUT", default=10.0),
    # Said, not guessed: true while the adapter talks to the local SANDBOX (production defaults it to false).
    "SANDBOX": env.bool("UNIONPAY_SANDBOX", default=True),
}
PAYMENTS_WECHATPAY = {
    "APPID": env("WECHATPAY_APPID", default="wx0000000000000001"),
    "MCHID": env("WECHATPAY_MCHID", default="1900000001"),
    "APIV3_KEY": env("WECHATPAY_APIV3_KEY", default="sandbox-apiv3-key-0123456789abcd"),  # 32 bytes
    # Platform public keys by serial; only these are trusted (an unknown serial is refused).
    "PLATFORM_PUBLIC_KEYS": env.json(
        "WECHATPAY_PLATFORM_PUBLIC_KEYS",
        default={
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1": str(_PAYMENT_SANDBOX_KEYS / "wechatpay-platform-public.pem")
        },
    ),
    # Outgoing calls: signed with the merchant's API certificate key (serial below).
    "MERCHANT_SERIAL_NO": env("WECHATPAY_MERCHANT_SERIAL_NO", default="3775B6A45ACD588826D15E583A95F5DD2C7AB0A5"),
    "MERCHANT_PRIVATE_KEY_FILE": env(
        "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", default=str(_PAYMENT_SANDBOX_KEYS / "merchant-private.pem")
    ),
    # https://api.mch.weixin.qq.com at WeChat Pay; the local SANDBOX by default.
    "API_URL": env("WECHATPAY_API_URL", default=PAYMENTS_SITE_URL + "/sandbox/payments/wechatpay"),
    "TIMEOUT": env.float("WECHATPAY_TIMEOUT", default=10.0),
    # Said, not guessed: true while the adapter talks to the local SANDBOX (production defaults it to false).
    "SANDBOX": env.bool("WECHATPAY_SANDBOX", default=True),
}

# e-ID credential tokens (identity/services/eid.py).
EID_TOKEN_TTL_SECONDS = 60
EID_ISSUER = env("EID_ISSUER", default="tongban")
EID_KEY_ROTATION_DAYS = env.int("EID_KEY_ROTATION_DAYS", default=30)
# ------------------------------------------------------------------------------
# OAuth2 / OIDC
# ------------------------------------------------------------------------------
# django-oauth-toolkit is the provider for partner systems: authorization code
# with PKCE (S256 only) to sign residents in, client credentials for partner
# back-ends. identity/oauth/ holds our validator, scopes backend and server.
#
# The RS256 signing key for ID tokens, as PEM. Production refuses to start
# without it; local and test settings generate a development key when unset.
# "\n" sequences are accepted so a key fits in a one-line environment value.
OIDC_RSA_PRIVATE_KEY = env("OIDC_RSA_PRIVATE_KEY", default="").replace("\\n", "\n")
# Keys the pairwise "sub" (HMAC of the partner's sector and the user id). Changing
# it changes every partner's identifiers for every resident: set it once, keep it.
OIDC_PAIRWISE_SUBJECT_KEY = env("OIDC_PAIRWISE_SUBJECT_KEY", default=_dev_key("oidc-pairwise-subject"))
# The toolkit's default, named so that identity's migrations can point at it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Who may authorise which client (identity/oauth/policies.py): dotted paths of
# callables answering a reason to refuse, or None.
OAUTH2_AUTHORIZATION_POLICIES = ["partners.policies.sandbox_clients_for_test_personas"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    # The scope registry. Names are the contract with partners; the Chinese
    # descriptions shown on the consent page live in identity/oauth/scopes.py.
    "SCOPES": {
        "openid": "OpenID Connect sign-in",
        "profile": "Name",
        "phone": "Mobile number",
        "catalogue:read": "Read the service catalogue",
        "applications:read": "Read applications",
        "applications:write": "Create and update applications",
        "certificates:verify": "Verify e-certificates",
        "payments:read": "Read payment orders",
        "payments:write": "Start paying the resident's payment orders",
        "eid:verify": "Verify a resident's e-ID credential",
        "eid:verify:detail": "With eid:verify, also receive the assurance level and verification time",
        "webhooks:manage": "Read the partner's webhook delivery log and replay deliveries",
    },
    # Which scopes each application may ask for (identity.PartnerScopeGrant).
    "SCOPES_BACKEND_CLASS": "identity.oauth.scopes.PartnerScopes",
    "OAUTH2_VALIDATOR_CLASS": "identity.oauth.validators.TongbanOAuth2Validator",
    # Refuses the PKCE "plain" method already when the authorization request arrives.
    "OIDC_SERVER_CLASS": "identity.oauth.server.TongbanServer",
    # Bearer tokens are read from the Authorization header only, never the query or body.
    "OAUTH2_BACKEND_CLASS": "identity.oauth.backends.HeaderOnlyOAuthLibCore",
    # Each partner gets its own "sub" for a resident (identity/oauth/subjects.py).
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    # A refresh token lives 30 days past its access token, is used once, and a
    # replayed one revokes its whole family. No grace period: a retry after a
    # lost response needs a new sign-in, which is the safer failure.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ALLOW_URI_WILDCARDS": False,
    # Plain http callbacks only for local demos; production allows https only.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # Every RFC 9700 (OAuth 2.0 Security BCP) gate on: no implicit or password
    # grant, no PKCE "plain", no tokens in query strings, the "iss" parameter in
    # authorization responses, and tokens stored only as SHA-256 checksums.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "client_credentials", "refresh_token"],
    # Scopes are requested explicitly; nothing is granted by default.
    "DEFAULT_SCOPES": [],
}
# Used authorization codes are remembered (hashed) while their tokens may live; forgotten daily after that.
CELERY_BEAT_SCHEDULE["payments-query-pending-orders"] = {"task": "payments.query_pending_orders", "schedule": 5 * 60.0}
CELERY_BEAT_SCHEDULE["payments-relay-order-events"] = {"task": "payments.relay_order_events", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {"task": "payments.reconcile_yesterday", "schedule": 24 * 3600.0}
CELERY_BEAT_SCHEDULE["payments-sweep-refunds"] = {"task": "payments.sweep_refunds", "schedule": 10 * 60.0}
CELERY_BEAT_SCHEDULE["partners-sweep-webhook-deliveries"] = {
    "task": "partners.sweep_webhook_deliveries",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["identity-purge-used-authorization-codes"] = {
    "task": "identity.purge_used_authorization_codes",
    "schedule": 24 * 3600.0,
}
# The OpenAPI document tells partners how to get a token and which scopes exist.
SPECTACULAR_SETTINGS.update(
    {
        "OAUTH2_FLOWS": ["authorizationCode", "clientCredentials"],
        "OAUTH2_AUTHORIZATION_URL": "/o/authorize/",
        "OAUTH2_TOKEN_URL": "/o/token/",
        "OAUTH2_REFRESH_URL": "/o/token/",
        "OAUTH2_SCOPES": OAUTH2_PROVIDER["SCOPES"],
    }
)
# ------------------------------------------------------------------------------
# Catalogue
# ------------------------------------------------------------------------------
# Part of every cached page's key (services/cache.py): set it to the release id
# in production so web nodes share cached pages; unset, each process keeps its own.
CATALOGUE_CACHE_RELEASE = env("CATALOGUE_CACHE_RELEASE", default="")
# Anonymous pages a worker also keeps in its own memory (portal/caching.py; the search context
# too, services/selectors.py), and how old the catalogue generation it checks them against may
# be: a publish reaches every worker's copies within this many seconds. 0: the generation is
# read from the cache on every request.
CATALOGUE_PAGE_MEMORY_ENTRIES = env.int("CATALOGUE_PAGE_MEMORY_ENTRIES", default=200)
CATALOGUE_MEMORY_SECONDS = env.float("CATALOGUE_MEMORY_SECONDS", default=1.0)
# Search answers each worker keeps (portal/caching.py), apart from the pages above; a full
# page of results is about 11 KB.
CATALOGUE_SEARCH_MEMORY_ENTRIES = env.int("CATALOGUE_SEARCH_MEMORY_ENTRIES", default=300)
# Where a guide's "apply online" button leads; the applications app serves it.
CATALOGUE_APPLY_URL = env("CATALOGUE_APPLY_URL", default="/applications/new/{code}/")
# Anonymous catalogue reads are throttled; a token with the catalogue:read scope
# gets the higher rate (services.api.throttles). Counters live in the cache.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "catalogue_anon": env("CATALOGUE_ANON_RATE", default="60/minute"),
    "catalogue_token": env("CATALOGUE_TOKEN_RATE", default="600/minute"),
}
# ------------------------------------------------------------------------------
# Applications: the resident's side
# ------------------------------------------------------------------------------
# Unsubmitted drafts (and their uploaded files) untouched for this many days
# are deleted by the applications.purge_drafts task.
APPLICATION_DRAFT_RETENTION_DAYS = env.int("APPLICATION_DRAFT_RETENTION_DAYS", default=30)
# ------------------------------------------------------------------------------
# E-certificates (统一证照系统)
# ------------------------------------------------------------------------------
# The origin printed in each certificate PDF's QR code (the public verification page).
CERTIFICATES_PUBLIC_BASE_URL = env("CERTIFICATES_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# ------------------------------------------------------------------------------
# Evaluations (好差评)
# ------------------------------------------------------------------------------
# The rater may change a rating for this many hours after giving it; then it is frozen.
EVALUATION_EDIT_WINDOW_HOURS = env.int("EVALUATION_EDIT_WINDOW_HOURS", default=24)
# ------------------------------------------------------------------------------
# Inquiries and complaints (咨询投诉)
# ------------------------------------------------------------------------------
# Working days a department has to answer, by kind, counted on the applications'
# working-day calendar from the day of submission (or of reopening).
INQUIRY_ANSWER_WORKING_DAYS = {"inquiry": 3, "complaint": 10, "suggestion": 15, "report": 15}
# How many times an item may be transferred between departments; after that the
# department answers it or sends it back (once) to the dispatch centre, whose assignment is final.
INQUIRY_MAX_TRANSFERS = env.int("INQUIRY_MAX_TRANSFERS", default=2)
# Working days after an answer during which the resident may reopen it; then it closes.
INQUIRY_REOPEN_WORKING_DAYS = env.int("INQUIRY_REOPEN_WORKING_DAYS", default=5)
# How many times a resident may reopen one item.
INQUIRY_MAX_REOPENS = env.int("INQUIRY_MAX_REOPENS", default=2)
# Overdue items are escalated to the department's officials at once, and to the
# dispatch centre when still unanswered this many working days past the deadline.
INQUIRY_ESCALATE_TO_DISPATCH_AFTER_WORKING_DAYS = env.int("INQUIRY_ESCALATE_TO_DISPATCH_AFTER_WORKING_DAYS", default=3)
INQUIRY_MAX_ATTACHMENTS = 5
# Anonymous report submissions and query-code lookups allowed per client address per hour.
INQUIRY_ANONYMOUS_PER_HOUR = env.int("INQUIRY_ANONYMOUS_PER_HOUR", default=10)
INQUIRY_TRACK_PER_HOUR = env.int("INQUIRY_TRACK_PER_HOUR", default=30)
CELERY_BEAT_SCHEDULE["complaints-escalate-overdue-inquiries"] = {
    "task": "complaints.escalate_overdue_inquiries",
    "schedule": 15 * 60.0,
}
# ------------------------------------------------------------------------------
# Electronic supervision (电子监察)
# ------------------------------------------------------------------------------
# A running case gets a yellow card this many working days (or fewer) before its promised
# deadline, and a red card once past it (supervision.services.cards_issue).
SUPERVISION_YELLOW_WORKING_DAYS = env.int("SUPERVISION_YELLOW_WORKING_DAYS", default=2)
CELERY_BEAT_SCHEDULE["supervision-issue-cards"] = {"task": "supervision.issue_cards", "schedule": 15 * 60.0}
# Mondays 08:00 (CELERY_TIMEZONE), about the week before; sent once per department and week,
# so a beat restarted or run twice sends nothing again.
CELERY_BEAT_SCHEDULE["supervision-weekly-digest"] = {
    "task": "supervision.weekly_digest",
    "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
}
# ------------------------------------------------------------------------------
# Intermediary marketplace (统一中介超市)
# ------------------------------------------------------------------------------
# Days before a qualification's valid_until on which its agency is told, once each
# (marketplace.services.qualifications_expire, run by beat with the expiry itself).
MARKETPLACE_QUALIFICATION_REMINDER_DAYS = [
    int(days) for days in env.list("MARKETPLACE_QUALIFICATION_REMINDER_DAYS", default=["30", "7"])
]
# The objection period (异议期) a posting gets unless its buyer sets another, and the limits.
MARKETPLACE_DEFAULT_OBJECTION_DAYS = env.int("MARKETPLACE_DEFAULT_OBJECTION_DAYS", default=3)
MARKETPLACE_MAX_OBJECTION_DAYS = env.int("MARKETPLACE_MAX_OBJECTION_DAYS", default=15)
# The shortest time between publishing a posting and its quote deadline, in hours.
MARKETPLACE_MIN_QUOTE_HOURS = env.int("MARKETPLACE_MIN_QUOTE_HOURS", default=24)
# Beat closes postings past their quote deadline and expires qualifications.
CELERY_BEAT_SCHEDULE["marketplace-close-due-postings"] = {
    "task": "marketplace.close_due_postings",
    "schedule": 5 * 60.0,
}
# Hourly, idempotent: a missed run is made up by the next one.
CELERY_BEAT_SCHEDULE["marketplace-expire-qualifications"] = {
    "task": "marketplace.expire_qualifications",
    "schedule": 3600.0,
}
# ------------------------------------------------------------------------------
# Pension eligibility certification (养老资格认证, benefits/)
# ------------------------------------------------------------------------------
# A certification is valid this many days from the moment it is made; a face check passed by
# the pensioner raises their assurance to L3 until then.
BENEFITS_CERTIFICATION_VALID_DAYS = env.int("BENEFITS_CERTIFICATION_VALID_DAYS", default=365)
# The last reminder goes out this many days before a campaign's window ends (the others at
# its start and midway); only pending tasks get them, once each (benefits.services.reminders_send).
BENEFITS_FINAL_REMINDER_DAYS = env.int("BENEFITS_FINAL_REMINDER_DAYS", default=7)
# Limits of one beneficiary CSV import (the whole file is checked before anything is written).
BENEFITS_IMPORT_MAX_ROWS = env.int("BENEFITS_IMPORT_MAX_ROWS", default=50000)
BENEFITS_IMPORT_MAX_BYTES = env.int("BENEFITS_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# Hourly: a reminder is due from the morning of its day. Daily: campaigns past their window
# are closed and their uncertified pensioners flagged. Both are safe to run again.
CELERY_BEAT_SCHEDULE["benefits-send-reminders"] = {"task": "benefits.send_reminders", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["benefits-close-campaigns"] = {
    "task": "benefits.close_campaigns",
    "schedule": crontab(minute=30, hour=0),
}
# ------------------------------------------------------------------------------
# Supervision dashboard (运行监测)
# ------------------------------------------------------------------------------
# The dashboard reads summary tables (dashboard/models.py) that beat refreshes: every
# run recomputes the last DASHBOARD_REFRESH_DAYS days (today included), one transaction
# per day. Older days change only through `manage.py dashboard_refresh --since`.
DASHBOARD_REFRESH_DAYS = env.int("DASHBOARD_REFRESH_DAYS", default=7)
CELERY_BEAT_SCHEDULE["dashboard-refresh-summary"] = {
    "task": "dashboard.refresh_summary",
    "schedule": env.float("DASHBOARD_REFRESH_SECONDS", default=15 * 60.0),
}
# ------------------------------------------------------------------------------
# Operations monitoring: Prometheus /metrics and retention (monitoring/, issue 20)
# ------------------------------------------------------------------------------
# Counts and times every request by view name, method and status class: first, so the
# time includes the rest of the stack (monitoring/middleware.py).
MIDDLEWARE.insert(0, "monitoring.middleware.MetricsMiddleware")
# /metrics answers a request bearing ``Authorization: Bearer <METRICS_TOKEN>`` or coming from
# an address in METRICS_ALLOWED_IPS (CIDRs; the address as identity.security.client_ip sees
# it). Both empty: nobody. Under gunicorn, also set PROMETHEUS_MULTIPROC_DIR in the
# environment (docs/operations.md).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# The Celery queues whose length is reported; empty: the default queue and any in CELERY_TASK_ROUTES.
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=[])
# Other services' PROMETHEUS_MULTIPROC_DIR on this host, read by /metrics too (the Celery
# worker's, for its task-failure and webhook counters).
METRICS_MULTIPROC_EXTRA_DIRS = env.list("METRICS_MULTIPROC_EXTRA_DIRS", default=[])

# Retention (monitoring/retention.py, `manage.py purge_expired`): every policy runs once a
# day at this local time (CELERY_TIMEZONE); it calls the apps' own purges (drafts, sign-in
# records, the webhook log), whose tasks are no longer scheduled on their own. Idempotency
# keys live hours, not days, so their hourly purge above stays. RETENTION_DRY_RUN makes the
# daily run only count.
RETENTION_PURGE_HOUR = env.int("RETENTION_PURGE_HOUR", default=3)
RETENTION_PURGE_MINUTE = env.int("RETENTION_PURGE_MINUTE", default=17)
RETENTION_DRY_RUN = env.bool("RETENTION_DRY_RUN", default=False)
# Audit records (transitions, personal-data access, sign-in and partner events …) are kept at
# least this long; a policy that would purge them sooner is refused (monitoring/retention.py).
RETENTION_AUDIT_FLOOR_DAYS = 180
# Models counted as audit records besides the built-in list (app_label.ModelName).
RETENTION_EXTRA_AUDIT_MODELS = env.list("RETENTION_EXTRA_AUDIT_MODELS", default=[])
# Ages, in days, past which rows go: SMS codes past their expiry (kept a week for the
# per-day sending limits and support questions), delivered outbox messages past delivery,
# Django sessions past their expiry, signed-in sessions' records past their end.
SMS_CODE_RETENTION_DAYS = env.int("SMS_CODE_RETENTION_DAYS", default=7)
OUTBOX_DELIVERED_RETENTION_DAYS = env.int("OUTBOX_DELIVERED_RETENTION_DAYS", default=30)
EXPIRED_SESSION_RETENTION_DAYS = env.int("EXPIRED_SESSION_RETENTION_DAYS", default=1)
USER_SESSION_RETENTION_DAYS = env.int("USER_SESSION_RETENTION_DAYS", default=180)
CELERY_BEAT_SCHEDULE["monitoring-purge-expired"] = {
    "task": "monitoring.purge_expired",
    "schedule": crontab(hour=RETENTION_PURGE_HOUR, minute=RETENTION_PURGE_MINUTE),
}
# ------------------------------------------------------------------------------
# Audit (docs/audit.md)
# ------------------------------------------------------------------------------
# django-pghistory: each history row carries its request's context (user, path, IP,
# request id) as JSON on the row itself, not in a shared, updatable context table.
import pghistory  # noqa: E402

PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
# Only requests that may write get a history context. GETs never write (config/tests/
# test_no_writes_on_get.py), and building the context reads request.user, which would load
# the session on every anonymous, cached page.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Audit tables get our own append-only triggers (audit/triggers.py), which leave room for retention.
PGHISTORY_APPEND_ONLY = False
# The database role the application connects as in production. Audit migrations revoke
# UPDATE, DELETE and TRUNCATE on audit tables from it (audit/grants.py). Empty: nothing to revoke.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
