import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_when_every_part_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    assert body["checks"]["database"]["detail"] == "postgresql"


def _redis_settings(url: str) -> dict:
    return {
        "CACHES": {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
            }
        },
        "CELERY_BROKER_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": False,
    }


def test_readyz_answers_503_naming_cache_and_broker_while_redis_is_down(client, disposable_redis):
    with override_settings(**_redis_settings(disposable_redis.url)):
        assert client.get("/readyz").status_code == 200

        disposable_redis.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["cache"]["status"] == "error"
        assert body["checks"]["broker"]["status"] == "error"
        assert body["checks"]["database"]["status"] == "ok"
        # Public output names the failing part, never the host or credentials.
        assert "127.0.0.1" not in response.content.decode()

        disposable_redis.start()
        assert client.get("/readyz").status_code == 200
