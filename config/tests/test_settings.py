"""The settings modules: production's safety checks and the embedded default."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from config.settings.devkeys import development_rsa_key

BASE_DIR = settings.BASE_DIR


def _python(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return _python("manage.py", *args, env=env)


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tongban",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "tongban.example.gov.cn",
    "FIELD_ENCRYPTION_KEYS": "wY8sV0Kx3m0cQ7QXUoPq0sQmJ4r8xv8m2m6F3o9Jt2I=",
    "BLIND_INDEX_KEY": "c2VjcmV0LWJsaW5kLWluZGV4LWtleS1mb3ItdGVzdHMtb25seQ==",
    "OIDC_PAIRWISE_SUBJECT_KEY": "cGFpcndpc2Utc3ViamVjdC1rZXktZm9yLXRlc3RzLW9ubHk=",
    "OIDC_RSA_PRIVATE_KEY": development_rsa_key(),
    # The real adapters, not the sandboxes production refuses.
    "SMS_BACKEND": "common.sms.backends.aliyun.AliyunSmsBackend",
    "IDENTITY_VERIFIER": "http",
    "ENTERPRISE_VERIFIER": "http",
    "FACE_CHECK_PROVIDER": "tencent",
    "FACE_CHECK_TENCENT_SECRET_ID": "AKIDtongbantest",
    "FACE_CHECK_TENCENT_SECRET_KEY": "tongban-test-secret-key",
    "FACE_CHECK_TENCENT_RULE_ID": "1",
    "CLAMD_ADDRESS": "127.0.0.1:3310",
    "ALIPAY_GATEWAY_URL": "https://openapi.alipay.com/gateway.do",
    "ALIPAY_API_URL": "https://openapi.alipay.com/gateway.do",
    "ALIPAY_PUBLIC_KEY_FILE": "/etc/tongban/alipay-public.pem",
    "WECHATPAY_PLATFORM_PUBLIC_KEYS": '{"6F1A": "/etc/tongban/wechatpay-platform.pem"}',
    "WECHATPAY_API_URL": "https://api.mch.weixin.qq.com",
    "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE": "/etc/tongban/wechatpay-merchant.pem",
    "UNIONPAY_ROOT_CERT_FILE": "/etc/tongban/unionpay-root.pem",
    "UNIONPAY_MERCHANT_PRIVATE_KEY_FILE": "/etc/tongban/unionpay-merchant.pem",
    "UNIONPAY_FRONT_TRANS_URL": "https://gateway.95516.com/gateway/api/frontTransReq.do",
    "UNIONPAY_GATEWAY_URL": "https://gateway.95516.com",
}
ALL_STAGING_SANDBOXES = (
    "sms-console,identity-sandbox,enterprise-sandbox,no-malware-scan,payments-sandbox,face-check-sandbox"
)


def test_check_deploy_passes_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_with_the_default_key():
    result = _manage("check", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_redis():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    del env["REDIS_URL"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "REDIS_URL must be set" in result.stderr


def test_production_refuses_to_start_without_an_oidc_signing_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    del env["OIDC_RSA_PRIVATE_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY must hold the RSA private key" in result.stderr


def test_production_refuses_to_start_without_a_pairwise_subject_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    del env["OIDC_PAIRWISE_SUBJECT_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "OIDC_PAIRWISE_SUBJECT_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("token", ["short-token", "change-me-to-a-long-random-token"])
def test_production_refuses_a_weak_metrics_token(token):
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "METRICS_TOKEN": token}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "METRICS_TOKEN must be at least 32 random characters" in result.stderr


def test_production_accepts_an_oidc_key_with_escaped_newlines():
    one_line = PRODUCTION_ENV["OIDC_RSA_PRIVATE_KEY"].replace("\n", "\\n")
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "OIDC_RSA_PRIVATE_KEY": one_line}
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_embedded_default_uses_sqlite_locmem_and_eager_tasks(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.local", "SQLITE_PATH": str(tmp_path / "db.sqlite3")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
    ]


def test_production_mode_uses_a_pooled_postgres_and_redis():
    # A pooled connection is checked before each use (CONN_HEALTH_CHECKS), so the pool
    # recovers after a database restart; the pool needs CONN_MAX_AGE 0 (PITFALLS).
    # Passwords are hashed with our Argon2id hasher, not the test settings' fast one.
    code = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(d['ENGINE'], bool(d['OPTIONS'].get('pool')), d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'],"
        " s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.CELERY_TASK_ALWAYS_EAGER, s.PASSWORD_HASHERS[0])"
    )
    result = _manage(
        "shell", "--no-imports", "-c", code, env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "True",
        "0",
        "True",
        "django_redis.cache.RedisCache",
        "django.contrib.sessions.backends.cached_db",
        "False",
        "identity.hashers.Argon2idPasswordHasher",
    ]


@pytest.mark.parametrize(("setting", "threshold"), [(None, "2147483647"), ("false", "None")])
def test_prepared_statements_are_only_for_the_reads_that_ask_and_can_be_turned_off(setting, threshold):
    # psycopg prepares a statement on its own only past prepare_threshold runs (never, at 2**31 - 1),
    # and none at all with None: DATABASE_PREPARED_STATEMENTS=false, for PgBouncer in transaction mode.
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    if setting is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = setting
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [threshold]


# --- Sandboxes -------------------------------------------------------------------


def _production_env(**changes) -> dict:
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _production_check(**changes) -> subprocess.CompletedProcess:
    """``manage.py check`` under the production settings: Django starts, or says why not."""
    return _manage("check", env=_production_env(**changes))


def _production_settings(**changes) -> subprocess.CompletedProcess:
    """The production settings module evaluated in a fresh interpreter: where each refusal is
    raised (config/settings/production.py), in a fifth of the time a whole ``check`` takes.
    ``test_production_accepts_a_staging_deployment_with_every_sandbox_named`` starts Django."""
    return _python("-c", "import config.settings.production", env=_production_env(**changes))


@pytest.mark.parametrize(
    ("setting", "value", "sandbox"),
    [
        ("SMS_BACKEND", "common.sms.backends.console.ConsoleSmsBackend", "sms-console"),
        ("SMS_BACKEND", "common.sms.backends.locmem.LocmemSmsBackend", "sms-console"),
        ("IDENTITY_VERIFIER", "sandbox", "identity-sandbox"),
        ("IDENTITY_VERIFIER_HTTP_BASE_URL", "https://gov.example/sandbox/identity-gateway", "identity-sandbox"),
        ("ENTERPRISE_VERIFIER", "sandbox", "enterprise-sandbox"),
        ("ENTERPRISE_VERIFIER_HTTP_BASE_URL", "https://gov.example/sandbox/enterprise-gateway", "enterprise-sandbox"),
        ("CLAMD_ADDRESS", None, "no-malware-scan"),
        ("FACE_CHECK_PROVIDER", "sandbox", "face-check-sandbox"),
        ("FACE_CHECK_PROVIDER", None, "face-check-sandbox"),
        ("FACE_CHECK_TENCENT_ENDPOINT", "https://gov.example/sandbox/faceid", "face-check-sandbox"),
        ("ALIPAY_GATEWAY_URL", None, "payments-sandbox"),
        ("ALIPAY_PUBLIC_KEY_FILE", None, "payments-sandbox"),
        ("WECHATPAY_PLATFORM_PUBLIC_KEYS", None, "payments-sandbox"),
        ("WECHATPAY_API_URL", None, "payments-sandbox"),
        ("WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", None, "payments-sandbox"),
        ("UNIONPAY_ROOT_CERT_FILE", None, "payments-sandbox"),
        ("UNIONPAY_GATEWAY_URL", None, "payments-sandbox"),
        ("UNIONPAY_FRONT_TRANS_URL", None, "payments-sandbox"),
        ("UNIONPAY_MERCHANT_PRIVATE_KEY_FILE", None, "payments-sandbox"),
        ("WECHATPAY_SANDBOX", "true", "payments-sandbox"),
        ("PAYMENTS_EXEMPTION_SOURCES", "civil-affairs-sandbox", "exemption-sandbox"),
    ],
)
def test_production_refuses_each_sandbox_unless_staging_names_it(setting, value, sandbox):
    refused = _production_settings(**{setting: value})
    assert refused.returncode != 0
    assert "Production refuses these sandboxes" in refused.stderr
    assert sandbox in refused.stderr

    # Naming the other sandboxes is not enough: each must be named.
    others = ",".join(name for name in ALL_STAGING_SANDBOXES.split(",") if name != sandbox)
    still_refused = _production_settings(**{setting: value, "TONGBAN_STAGING_SANDBOXES": others})
    assert still_refused.returncode != 0
    assert sandbox in still_refused.stderr

    accepted = _production_settings(**{setting: value, "TONGBAN_STAGING_SANDBOXES": sandbox})
    assert accepted.returncode == 0, accepted.stderr


def test_production_refuses_the_face_check_adapter_without_its_keys():
    result = _production_settings(FACE_CHECK_TENCENT_SECRET_KEY=None, FACE_CHECK_TENCENT_RULE_ID=None)
    assert result.returncode != 0
    assert "FACE_CHECK_TENCENT_SECRET_KEY, FACE_CHECK_TENCENT_RULE_ID" in result.stderr


def test_production_accepts_a_staging_deployment_with_every_sandbox_named():
    result = _production_check(
        SMS_BACKEND=None,
        IDENTITY_VERIFIER=None,
        ENTERPRISE_VERIFIER="sandbox",
        CLAMD_ADDRESS=None,
        FACE_CHECK_PROVIDER=None,
        TONGBAN_STAGING_SANDBOXES=ALL_STAGING_SANDBOXES,
    )
    assert result.returncode == 0, result.stderr


def test_production_defaults_are_all_refused():
    result = _production_settings(
        SMS_BACKEND=None, IDENTITY_VERIFIER=None, CLAMD_ADDRESS=None, FACE_CHECK_PROVIDER=None
    )
    assert result.returncode != 0
    for sandbox in ("sms-console", "identity-sandbox", "no-malware-scan", "face-check-sandbox"):
        assert sandbox in result.stderr


def test_console_sms_on_a_staging_deployment_prints_neither_the_code_nor_the_full_number():
    code = (
        "from common.sms import SmsMessage, send_sms;"
        "send_sms(SmsMessage(mobile='13912348888', template='verification_code',"
        " params={'code': '482913'}, text='【通办】验证码482913，10分钟内有效。'))"
    )
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "TONGBAN_STAGING_SANDBOXES": "sms-console"}
    del env["SMS_BACKEND"]
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "demo SMS, not sent" in result.stdout
    assert "139****8888" in result.stdout
    assert "482913" not in result.stdout + result.stderr
    assert "13912348888" not in result.stdout + result.stderr
