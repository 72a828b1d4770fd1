"""Idempotency-Key on the applications API's POSTs (common/idempotency.py): a replay answers the
same resource, another body with the key is 422, a key still in flight is 409, and a concurrent
request with the key waits for the first and gets its answer."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from applications.models import Application, SubmittedMaterial, Transition
from common.idempotency import idempotency_begin, idempotency_finish, request_fingerprint
from common.models import IdempotencyKey
from identity.tests.factories import UserFactory
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application

from .factories import pdf_upload

# Committed like production: each request its own transaction, as ATOMIC_REQUESTS gives it.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_catalogue")]

DRAFTS = "/api/v1/applications/drafts/"
ITEM = "440100-GA-007"


def _token(client, user, *, client_id="web-partner") -> dict:
    from oauth2_provider.models import Application as PartnerApplication

    partner = PartnerApplication.objects.filter(client_id=client_id).first() or make_web_application(
        client_id=client_id, scopes=("openid", "applications:read", "applications:write")
    )
    client.force_login(user)
    tokens = authorization_code_tokens(client, partner, scope="openid applications:read applications:write")
    client.logout()
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}


def _create(client, headers, body, key="key-1"):
    return client.post(DRAFTS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def _ready_draft(client, headers) -> dict:
    body = {"service_code": ITEM, "data": {"address": "广州市海珠区"}}
    draft = client.post(DRAFTS, body, content_type="application/json", **headers).json()
    for requirement in (r for r in draft["requirements"] if r["mandatory"]):
        uploaded = client.post(
            f"{DRAFTS}{draft['id']}/materials/", {"requirement": requirement["id"], "file": pdf_upload()}, **headers
        )
        assert uploaded.status_code == 201
    return draft


def test_a_replayed_create_answers_the_same_draft_and_makes_no_second(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    body = {"service_code": ITEM, "data": {"address": "广州市海珠区"}}

    first = _create(client, headers, body)
    second = _create(client, headers, body)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Application.objects.filter(applicant=resident).count() == 1
    assert second.json()["id"] == Application.objects.get(applicant=resident).pk
    assert IdempotencyKey.objects.count() == 1


def test_a_replayed_upload_stores_the_material_once(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    draft = client.post(DRAFTS, {"service_code": ITEM}, content_type="application/json", **headers).json()
    requirement = next(r for r in draft["requirements"] if r["mandatory"])
    upload = pdf_upload()

    def post():
        upload.seek(0)
        return client.post(
            f"{DRAFTS}{draft['id']}/materials/",
            {"requirement": requirement["id"], "file": upload},
            HTTP_IDEMPOTENCY_KEY="upload-1",
            **headers,
        )

    first, second = post(), post()

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert SubmittedMaterial.objects.filter(application_id=draft["id"]).count() == 1


def test_a_replayed_submit_answers_200_again_where_a_plain_retry_gets_409(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    draft = _ready_draft(client, headers)
    url = f"{DRAFTS}{draft['id']}/submit/"

    first = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1", **headers)
    replay = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1", **headers)
    without_key = client.post(url, **headers)

    assert first.status_code == replay.status_code == 200, first.content
    assert replay.content == first.content
    assert first.json()["status"] == "submitted"
    assert without_key.status_code == 409
    assert Transition.objects.filter(application_id=draft["id"], to_status="submitted").count() == 1


def test_the_same_key_with_another_body_is_422(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)

    _create(client, headers, {"service_code": ITEM})
    response = _create(client, headers, {"service_code": ITEM, "data": {"address": "广州市越秀区"}})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    # The same key on another endpoint is another request too.
    draft_id = Application.objects.get(applicant=resident).pk
    elsewhere = client.post(f"{DRAFTS}{draft_id}/submit/", HTTP_IDEMPOTENCY_KEY="key-1", **headers)
    assert elsewhere.status_code == 422


def test_a_key_whose_request_is_still_running_is_409(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    body = {"service_code": ITEM}
    # The first request with this key has started and not finished (committed in flight).
    idempotency_begin(
        client="web-partner",
        user=resident,
        key="key-1",
        fingerprint=request_fingerprint(method="POST", path=DRAFTS, data=body),
    )

    response = _create(client, headers, body)

    assert response.status_code == 409
    assert response.json()["code"] == "request_in_flight"
    assert not Application.objects.filter(applicant=resident).exists()


def test_a_concurrent_request_waits_for_the_first_and_replays_its_answer(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    body = {"service_code": ITEM}
    claimed, release, answers = threading.Event(), threading.Event(), []

    def first_request():
        # A first request, in its transaction: it claims the key and holds it until released.
        try:
            with transaction.atomic():
                begun = idempotency_begin(
                    client="web-partner",
                    user=resident,
                    key="key-1",
                    fingerprint=request_fingerprint(method="POST", path=DRAFTS, data=body),
                )
                claimed.set()
                release.wait(timeout=30)
                idempotency_finish(begun.row, status=201, content_type="application/json", body=b'{"id": -1}')
        finally:
            connection.close()

    def second_request():
        try:
            answers.append(_create(Client(), headers, body))
        finally:
            connection.close()

    first = threading.Thread(target=first_request)
    first.start()
    assert claimed.wait(timeout=30)
    second = threading.Thread(target=second_request)
    second.start()
    # The second request waits on the key's unique index until the first commits.
    deadline = time.monotonic() + 30
    while not _someone_waits_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _someone_waits_on_a_lock()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    (answer,) = answers
    assert answer.status_code == 201
    assert answer.json() == {"id": -1}
    assert answer["Idempotent-Replayed"] == "true"
    assert not Application.objects.filter(applicant=resident).exists()


def test_a_concurrent_request_still_running_after_the_wait_is_409(client, settings):
    settings.IDEMPOTENCY_KEY_WAIT_SECONDS = 0.3
    resident = UserFactory(verified=True)
    headers = _token(client, resident)
    body = {"service_code": ITEM}
    claimed, release = threading.Event(), threading.Event()

    def first_request():
        try:
            with transaction.atomic():
                idempotency_begin(
                    client="web-partner",
                    user=resident,
                    key="key-1",
                    fingerprint=request_fingerprint(method="POST", path=DRAFTS, data=body),
                )
                claimed.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    first = threading.Thread(target=first_request)
    first.start()
    try:
        assert claimed.wait(timeout=30)
        started = time.monotonic()
        response = _create(client, headers, body)
        waited = time.monotonic() - started
    finally:
        release.set()
        first.join(timeout=30)

    assert response.status_code == 409
    assert response.json()["code"] == "request_in_flight"
    assert waited >= 0.3
    assert not Application.objects.filter(applicant=resident).exists()


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_two_partners_with_the_same_key_do_not_meet(client):
    resident = UserFactory(verified=True)
    ours = _token(client, resident)
    theirs = _token(Client(), resident, client_id="other-partner")

    first = _create(client, ours, {"service_code": ITEM})
    other = _create(client, theirs, {"service_code": ITEM, "data": {"address": "广州市越秀区"}})

    assert first.status_code == other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert other.json()["form_data"]["address"] == "广州市越秀区"
    assert set(IdempotencyKey.objects.values_list("client", flat=True)) == {"web-partner", "other-partner"}


def test_a_refused_request_leaves_no_key_and_a_long_key_is_400(client):
    resident = UserFactory(verified=True)
    headers = _token(client, resident)

    refused = _create(client, headers, {"service_code": "NO-SUCH-ITEM"})
    too_long = _create(client, headers, {"service_code": ITEM}, key="k" * 129)

    assert refused.status_code in (400, 404)
    assert not IdempotencyKey.objects.exists()
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "idempotency_key_invalid"
    # Without a key the API works as before.
    assert client.post(DRAFTS, {"service_code": ITEM}, content_type="application/json", **headers).status_code == 201
