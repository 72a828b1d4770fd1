"""Settings of the calibration app: what ``django-admin startproject`` gives, plus
the same database connection pool and Redis cache as Tongban's production settings,
so that the reference pays for the same services and nothing else."""

import os
import tempfile

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "calibration-only-not-a-secret-" + "x" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.calibration.urls"
WSGI_APPLICATION = "bench.calibration.wsgi.application"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "bench.calibration",
]

# Django's default stack, as startproject writes it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

_database = env.db("CALIBRATION_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tongban_bench_calibration")
# The same psycopg 3 pool Tongban runs with (config/settings/base.py): the reference must not pay
# for connection setup that Tongban does not pay.
_database["CONN_MAX_AGE"] = 0
# The self-check in the test suite waits longer: on a loaded CI machine a first connection the pool
# had to retry (it backs off) came after the 10 s the benchmark allows.
_database["OPTIONS"] = {
    "pool": {"min_size": 2, "max_size": 10, "timeout": env.int("CALIBRATION_POOL_TIMEOUT", default=10)}
}
DATABASES = {"default": _database}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:6379/5"),
        "KEY_PREFIX": "tongban-bench-calibration",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

UPLOAD_ROOT = tempfile.gettempdir()

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
