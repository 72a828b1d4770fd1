import json

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from common.exceptions import ApplicationError
from identity.constants import AssuranceLevel, VerificationOutcome
from identity.models import RealNameVerification
from identity.services.verification import real_name_verify
from identity.verification.contrib.http import HttpGatewayVerifier, signature_is_valid

from .factories import UserFactory, sandbox_identity

pytestmark = pytest.mark.django_db
NAME, ID_NUMBER = "王小明", "11010519800808777X"


def test_sandbox_confirms_a_listed_identity_and_raises_the_level():
    sandbox_identity(NAME, ID_NUMBER)
    user = UserFactory()

    verified = real_name_verify(user=user, name=NAME, id_number=ID_NUMBER.lower())

    assert verified.assurance_level == AssuranceLevel.L2
    assert verified.is_real_name_verified
    assert verified.id_number == ID_NUMBER
    assert verified.id_number_masked == "1101**********777X"
    attempt = RealNameVerification.objects.get(user=user)
    assert attempt.outcome == VerificationOutcome.MATCHED
    assert attempt.id_number_masked == "1101**********777X"


def test_checksum_valid_number_the_verifier_does_not_confirm_never_becomes_verified():
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=user, name=NAME, id_number=ID_NUMBER)
    assert refused.value.code == "verification_mismatch"
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.L1
    assert user.id_number_digest is None
    assert RealNameVerification.objects.get(user=user).outcome == VerificationOutcome.MISMATCHED


def test_wrong_name_for_a_listed_number_is_refused():
    sandbox_identity(NAME, ID_NUMBER)
    with pytest.raises(ApplicationError):
        real_name_verify(user=UserFactory(), name="王大明", id_number=ID_NUMBER)


def test_bad_checksum_is_refused_before_asking_the_verifier():
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=UserFactory(), name=NAME, id_number="110105198008087771")
    assert refused.value.code == "id_number_checksum"
    assert not RealNameVerification.objects.exists()


def test_one_number_binds_one_account():
    sandbox_identity(NAME, ID_NUMBER)
    real_name_verify(user=UserFactory(), name=NAME, id_number=ID_NUMBER)
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=UserFactory(), name=NAME, id_number=ID_NUMBER)
    assert refused.value.code == "id_number_bound"


def test_attempts_are_limited_per_day():
    user = UserFactory()
    for _attempt in range(5):
        with pytest.raises(ApplicationError):
            real_name_verify(user=user, name=NAME, id_number=ID_NUMBER)
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=user, name=NAME, id_number=ID_NUMBER)
    assert refused.value.code == "verification_rate_limited"


def test_verify_page_labels_the_sandbox(client):
    client.force_login(UserFactory())
    html = client.get("/account/verify/").content.decode()
    assert "沙箱环境" in html


# --- The HTTP gateway adapter ----------------------------------------------------

GATEWAY = {"BASE_URL": "https://gateway.example.gov.cn", "APP_ID": "tongban", "SECRET": "s3cret", "TIMEOUT": 2}


def _verifier(handler) -> HttpGatewayVerifier:
    return HttpGatewayVerifier("http", client=httpx.Client(transport=httpx.MockTransport(handler)), config=GATEWAY)


def test_http_adapter_sends_a_signed_request_and_reads_match():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/identity/verify"
        assert signature_is_valid("s3cret", headers=request.headers, body=request.content)
        body = json.loads(request.content)
        assert body["name"] == NAME and body["idNumber"] == ID_NUMBER
        return httpx.Response(200, json={"requestId": body["requestId"], "result": "MATCH", "reference": "T-1"})

    result = _verifier(handler).verify(name=NAME, id_number=ID_NUMBER)
    assert result.matched and result.reference == "T-1" and not result.error


@pytest.mark.parametrize(
    "answer",
    [
        lambda body: httpx.Response(500),
        lambda body: httpx.Response(200, content=b"<html>gateway error</html>"),
        lambda body: httpx.Response(200, json={"requestId": "someone-else", "result": "MATCH"}),
        lambda body: httpx.Response(200, json={"requestId": body["requestId"], "result": "MAYBE"}),
    ],
    ids=["server-error", "not-json", "other-request-id", "unknown-result"],
)
def test_http_adapter_treats_anything_odd_as_an_error_never_a_match(answer):
    result = _verifier(lambda request: answer(json.loads(request.content))).verify(name=NAME, id_number=ID_NUMBER)
    assert not result.matched
    assert result.error


def test_http_adapter_round_trips_with_the_local_sandbox_gateway():
    """The SANDBOX gateway view speaks the same protocol; drive it over WSGI."""
    from config.wsgi import application

    sandbox_identity(NAME, ID_NUMBER)
    config = {**GATEWAY, "BASE_URL": "http://testserver/sandbox/identity-gateway"}
    client = httpx.Client(transport=httpx.WSGITransport(app=application))
    # As Django's test client does: keep the test's transaction open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _round_trip(client, config)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _round_trip(client, config):
    with override_settings(IDENTITY_VERIFIER_HTTP=config, ALLOWED_HOSTS=["testserver"]):
        verifier = HttpGatewayVerifier("http", client=client, config=config)
        assert verifier.verify(name=NAME, id_number=ID_NUMBER).matched
        assert not verifier.verify(name="李雷", id_number=ID_NUMBER).matched
        wrong_secret = HttpGatewayVerifier("http", client=client, config={**config, "SECRET": "guess"})
        assert wrong_secret.verify(name=NAME, id_number=ID_NUMBER).error


def test_sandbox_verifies_any_valid_number_held_by_a_documented_test_name():
    from identity.verification.contrib.sandbox import SANDBOX_TEST_NAMES

    from .factories import valid_id_number

    first, second = UserFactory(), UserFactory()
    real_name_verify(user=first, name=SANDBOX_TEST_NAMES[0], id_number=valid_id_number(101))
    real_name_verify(user=second, name=SANDBOX_TEST_NAMES[1], id_number=valid_id_number(102))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_real_name_verified and second.is_real_name_verified


def test_a_test_name_cannot_take_a_number_officials_listed_for_someone_else():
    from identity.verification.contrib.sandbox import SANDBOX_TEST_NAMES

    sandbox_identity(NAME, ID_NUMBER)
    with pytest.raises(ApplicationError) as refused:
        real_name_verify(user=UserFactory(), name=SANDBOX_TEST_NAMES[0], id_number=ID_NUMBER)
    assert refused.value.code == "verification_mismatch"
