"""Degrade, don't fail: with Redis down the pages render uncached, sessions come
from the database, writes that need only PostgreSQL succeed (side effects wait in
the outbox), and /readyz names the part that is down."""

import copy

import pytest
from django.conf import settings
from django.test import Client, override_settings

from applications import services as application_services
from applications.models import Application
from applications.tests.factories import resident as make_resident
from common.testing.files import pdf_upload
from notifications.models import OutboxMessage
from services.models import Material


def _on(url: str) -> dict:
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = url
    caches["default"]["OPTIONS"].update({"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5})
    return {"CACHES": caches, "CELERY_BROKER_URL": url, "CELERY_TASK_ALWAYS_EAGER": False}


@pytest.fixture
def redis_down(disposable_redis):
    from kombu import pools

    from config.celery import app

    saved = app.conf.broker_url
    with override_settings(**_on(disposable_redis.url)):
        app.conf.broker_url = disposable_redis.url
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        try:
            yield disposable_redis
        finally:
            app.conf.broker_url = saved
            pools.reset()
            app._pool = None
            app.amqp._producer_pool = None


def _ready_draft(applicant, code="440100-GA-007"):
    draft = application_services.application_start(applicant=applicant, item_code=code)
    application_services.application_save_draft(
        application=draft, data={**draft.form_data, "address": "广州"}, actor=applicant
    )
    for requirement in Material.objects.filter(version=draft.service_version, mandatory=True):
        application_services.material_add_upload(
            application=draft, requirement=requirement, uploaded=pdf_upload(), actor=applicant
        )
    return draft


@pytest.mark.django_db
def test_with_redis_down_pages_sessions_form_saves_and_api_submits_answer_without_a_500(catalogue, redis_down):
    resident = make_resident()
    draft = _ready_draft(resident)
    other_draft = _ready_draft(make_resident())
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(resident)  # the session is written while Redis still runs
    other = Client(raise_request_exception=False)
    other.force_login(other_draft.applicant)

    redis_down.stop()
    anonymous = Client(raise_request_exception=False)

    assert anonymous.get("/").status_code == 200
    guide = anonymous.get("/services/440100-SCJG-005/")
    assert guide.status_code == 200 and "材料" in guide.content.decode()
    # The session is read from the database: the signed-in form save works.
    saved = signed_in.post(f"/applications/drafts/{draft.pk}/", {"address": "深圳", "action": "save"})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["address"] == "深圳"
    # An API submit needs only PostgreSQL; its notification waits in the outbox.
    submitted = other.post(f"/api/v1/applications/drafts/{other_draft.pk}/submit/")
    assert submitted.status_code == 200
    assert Application.objects.get(pk=other_draft.pk).status == "submitted"
    assert OutboxMessage.objects.filter(user=other_draft.applicant, status="pending").exists()

    ready = anonymous.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"]["status"] == "error"
    assert ready.json()["checks"]["cache"]["error"] == "ConnectionError"
    assert ready.json()["checks"]["database"]["status"] == "ok"

    redis_down.start()
    assert anonymous.get("/readyz").status_code == 200
