"""The request guard: NUL characters refused before any view, and errors that
escape a view (domain errors, lost lock races, a Redis outage) answered clearly."""

import json

import psycopg
import pytest
import redis
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from common.exceptions import ApplicationError
from common.request_guard import RequestGuardMiddleware

pytestmark = pytest.mark.django_db


def _guard():
    return RequestGuardMiddleware(lambda request: HttpResponse("reached the view"))


def test_a_nul_character_in_the_query_string_never_reaches_the_view():
    response = _guard()(RequestFactory().get("/services/", {"q": "a\x00b"}))
    assert response.status_code == 400
    assert b"reached the view" not in response.content


def test_a_nul_character_in_an_api_form_key_is_problem_json():
    response = _guard()(RequestFactory().post("/api/v1/anything/", {"na\x00me": "x"}))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "nul_character"


def test_clean_input_reaches_the_view():
    assert _guard()(RequestFactory().post("/x/", {"name": "张三"})).content == b"reached the view"


def test_a_redis_outage_escaping_a_page_is_a_503_page_with_retry_after():
    request = RequestFactory().get("/login/sms/")
    response = _guard().process_exception(request, redis.exceptions.ConnectionError("down"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "暂时不可用" in response.content.decode()


def test_a_domain_error_escaping_a_page_keeps_its_status():
    request = RequestFactory().post("/applications/drafts/1/")
    response = _guard().process_exception(request, ApplicationError("申请已提交。", code="not_a_draft", status=409))
    assert response.status_code == 409


def test_a_lost_lock_race_is_409_and_other_database_errors_are_left_alone():
    request = RequestFactory().post("/api/v1/applications/drafts/1/submit/")
    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected()
    response = _guard().process_exception(request, deadlock)
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "conflict"
    assert _guard().process_exception(request, OperationalError("disk full")) is None
