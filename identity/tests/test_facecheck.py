"""Remote face checks (实人认证): consent, the outcome rules, idempotency, expiry, assurance,
and the SANDBOX provider's page end to end."""

import datetime
import logging
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from common.exceptions import ApplicationError
from identity.constants import AssuranceLevel, FaceCheckDecision, FaceCheckStatus
from identity.facecheck import FaceCheckCallbackError, FaceCheckOutcome, get_face_check_provider, strip_images
from identity.facecheck.contrib.sandbox import FAKE_BEST_FRAME, SandboxResult, sandbox_callback
from identity.forms import FACE_CONSENT_TEXT, FaceConsentForm
from identity.models import AssuranceChange, FaceCheck
from identity.selectors.facecheck import face_check_for
from identity.services.facecheck import (
    assurance_lower_expired,
    assurance_raise,
    face_check_finish,
    face_check_start,
    face_checks_expire,
)
from identity.signals import face_check_completed

from .factories import UserFactory

pytestmark = pytest.mark.django_db
RETURN_URL = "/my/pension/certify/?task=7"


@pytest.fixture
def completed():
    """The checks ``face_check_completed`` was sent for, in order."""
    sent = []

    def receiver(sender, face_check, **kwargs):
        sent.append((sender, face_check.pk, face_check.status))

    face_check_completed.connect(receiver, dispatch_uid="test-face-check-completed")
    yield sent
    face_check_completed.disconnect(dispatch_uid="test-face-check-completed")


def start(user=None, **changes):
    arguments = {
        "user": user or UserFactory(verified=True),
        "purpose": "benefits.pension",
        "reference": "7",
        "consent_given": True,
        "consent_text": str(FACE_CONSENT_TEXT),
        "return_url": RETURN_URL,
        "ip": "203.0.113.9",
        **changes,
    }
    return face_check_start(**arguments)


def outcome_for(check, *, liveness=True, score="92.5", decision=FaceCheckDecision.PASS):
    return FaceCheckOutcome(
        provider_session_id=check.provider_session_id,
        liveness_passed=liveness,
        match_score=None if score is None else Decimal(score),
        decision=decision,
    )


def post_callback(client, body: bytes, headers: dict, provider: str = "sandbox"):
    """POST a signed callback, as the provider's server would."""
    return client.post(
        reverse("facecheck:callback", kwargs={"provider": provider}),
        data=body,
        content_type="application/json",
        headers={"X-Sandbox-Signature": headers["X-Sandbox-Signature"]},
    )


# --- Consent and who may start ---------------------------------------------------------


def test_without_consent_nothing_starts_and_nothing_is_recorded():
    user = UserFactory(verified=True)
    for consent_given, text in ((False, str(FACE_CONSENT_TEXT)), (True, "  ")):
        with pytest.raises(ApplicationError) as refused:
            start(user, consent_given=consent_given, consent_text=text)
        assert refused.value.code == "face_consent_required"
    assert not FaceCheck.objects.exists()


def test_consent_is_recorded_on_the_check_with_its_text_time_and_address():
    before = timezone.now()
    check, redirect_url = start()

    check.refresh_from_db()
    assert check.consent_text == str(FACE_CONSENT_TEXT)
    assert before <= check.consented_at <= timezone.now()
    assert check.consent_ip == "203.0.113.9"
    assert check.status == FaceCheckStatus.PENDING
    assert check.provider == "sandbox"
    assert check.provider_session_id.startswith("sbx-")
    assert redirect_url == reverse("facecheck:sandbox", kwargs={"session_id": check.provider_session_id})


def test_each_check_needs_its_own_consent():
    user = UserFactory(verified=True)
    first, _ = start(user)
    with pytest.raises(ApplicationError):
        start(user, consent_given=False)
    assert list(FaceCheck.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_user_who_is_not_real_name_verified_is_refused():
    with pytest.raises(ApplicationError) as refused:
        start(UserFactory())
    assert refused.value.code == "real_name_required"
    assert not FaceCheck.objects.exists()


@override_settings(FACE_CHECK_DAILY_LIMIT=2)
def test_a_user_may_start_only_so_many_checks_a_day():
    user = UserFactory(verified=True)
    start(user)
    start(user)
    with pytest.raises(ApplicationError) as refused:
        start(user)
    assert (refused.value.code, refused.value.status) == ("face_check_rate_limited", 429)
    assert FaceCheck.objects.filter(user=user).count() == 2
    FaceCheck.objects.filter(user=user).update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    start(user)


@pytest.mark.parametrize("return_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_return_url_must_be_a_path_on_this_site(return_url):
    with pytest.raises(ApplicationError) as refused:
        start(return_url=return_url)
    assert refused.value.code == "face_return_url_invalid"


def test_the_consent_form_box_starts_unticked_and_must_be_ticked():
    form = FaceConsentForm()
    html = form["consent"].as_widget()
    assert "checked" not in html
    assert not FaceConsentForm(data={}).is_valid()
    ticked = FaceConsentForm(data={"consent": "on"})
    assert ticked.is_valid()
    assert ticked.consent_text == str(FACE_CONSENT_TEXT)
    assert "人脸" in ticked.consent_text and "其他认证方式" in ticked.consent_text


# --- The outcome --------------------------------------------------------------------------


def test_liveness_a_pass_and_enough_score_pass(completed):
    check, _ = start()
    finished = face_check_finish(provider_name="sandbox", outcome=outcome_for(check, score="70.00"))
    assert finished.status == FaceCheckStatus.PASSED
    assert finished.decision == FaceCheckDecision.PASS
    assert finished.liveness_passed is True
    assert finished.match_score == Decimal("70.00")
    assert finished.completed_at is not None
    assert completed == [(FaceCheck, check.pk, FaceCheckStatus.PASSED)]


def test_a_spoof_fails_whatever_the_score():
    check, _ = start()
    finished = face_check_finish(
        provider_name="sandbox",
        outcome=outcome_for(check, liveness=False, score="99", decision=FaceCheckDecision.LIVENESS_FAILED),
    )
    assert finished.status == FaceCheckStatus.FAILED
    assert finished.decision == FaceCheckDecision.LIVENESS_FAILED
    assert finished.liveness_passed is False


@pytest.mark.parametrize(
    ("liveness", "score", "decision", "recorded"),
    [
        (True, "69.99", FaceCheckDecision.PASS, FaceCheckDecision.NO_MATCH),  # score below the minimum
        (True, None, FaceCheckDecision.PASS, FaceCheckDecision.NO_MATCH),  # no comparison at all
        (False, "95", FaceCheckDecision.PASS, FaceCheckDecision.LIVENESS_FAILED),  # "pass" without liveness
        (True, "95", FaceCheckDecision.NO_MATCH, FaceCheckDecision.NO_MATCH),
        (True, "95", FaceCheckDecision.CANCELLED, FaceCheckDecision.CANCELLED),
        (True, "95", FaceCheckDecision.ERROR, FaceCheckDecision.ERROR),
    ],
)
def test_anything_short_of_liveness_pass_and_score_fails(liveness, score, decision, recorded):
    check, _ = start()
    finished = face_check_finish(
        provider_name="sandbox", outcome=outcome_for(check, liveness=liveness, score=score, decision=decision)
    )
    assert finished.status == FaceCheckStatus.FAILED
    assert finished.decision == recorded


@pytest.mark.parametrize(("given", "kept", "status"), [("69.999", "69.99", "failed"), ("100", "100.00", "passed")])
def test_the_score_is_kept_to_two_places_never_rounded_up_to_a_pass(given, kept, status):
    check, _ = start()
    finished = face_check_finish(provider_name="sandbox", outcome=outcome_for(check, score=given))
    finished.refresh_from_db()
    assert (finished.match_score, finished.status) == (Decimal(kept), status)


@pytest.mark.parametrize("score", ["100.01", "-1", "NaN"])
def test_a_score_outside_0_to_100_counts_as_none(score):
    check, _ = start()
    finished = face_check_finish(provider_name="sandbox", outcome=outcome_for(check, score=score))
    assert (finished.status, finished.match_score) == (FaceCheckStatus.FAILED, None)


@override_settings(FACE_CHECK_MIN_SCORE=Decimal("85"))
def test_the_minimum_score_is_a_setting():
    check, _ = start()
    assert face_check_finish(provider_name="sandbox", outcome=outcome_for(check, score="84.9")).status == "failed"


def test_a_replayed_result_changes_nothing_and_signals_once(completed):
    check, _ = start()
    face_check_finish(provider_name="sandbox", outcome=outcome_for(check))
    again = face_check_finish(
        provider_name="sandbox",
        outcome=outcome_for(check, liveness=False, decision=FaceCheckDecision.LIVENESS_FAILED),
    )
    assert again.status == FaceCheckStatus.PASSED
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PASSED and check.liveness_passed is True
    assert len(completed) == 1


def test_a_result_for_an_unknown_session_or_another_provider_is_not_applied():
    check, _ = start()
    with pytest.raises(FaceCheck.DoesNotExist):
        face_check_finish(provider_name="tencent", outcome=outcome_for(check))
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


def test_a_receiver_that_fails_undoes_the_result():
    check, _ = start()

    def broken(sender, face_check, **kwargs):
        raise RuntimeError("receiver failed")

    face_check_completed.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            face_check_finish(provider_name="sandbox", outcome=outcome_for(check))
    finally:
        face_check_completed.disconnect(dispatch_uid="test-broken")
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_callbacks_at_once_finish_the_check_once_and_signal_once(completed):
    check, _ = start()
    barrier = threading.Barrier(3)
    errors = []

    def deliver(action):
        try:
            barrier.wait(timeout=10)
            action()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    actions = [
        lambda: face_check_finish(provider_name="sandbox", outcome=outcome_for(check)),
        lambda: face_check_finish(provider_name="sandbox", outcome=outcome_for(check)),
        # The expiry sweep at the same moment, on a check it deems stale.
        lambda: face_checks_expire(now=timezone.now() + datetime.timedelta(hours=1)),
    ]
    threads = [threading.Thread(target=deliver, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(completed) == 1
    check.refresh_from_db()
    assert check.status == completed[0][2]


def test_stale_pending_checks_expire_and_signal_once(completed):
    old, _ = start()
    fresh, _ = start()
    FaceCheck.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))

    assert face_checks_expire() == 1
    assert face_checks_expire() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == FaceCheckStatus.EXPIRED and old.completed_at is not None
    assert fresh.status == FaceCheckStatus.PENDING
    assert completed == [(FaceCheck, old.pk, FaceCheckStatus.EXPIRED)]
    # A late result for an expired check changes nothing.
    assert face_check_finish(provider_name="sandbox", outcome=outcome_for(old)).status == FaceCheckStatus.EXPIRED


def test_the_selector_returns_only_ones_own_check():
    check, _ = start()
    assert face_check_for(check.user, check.pk) == check
    assert face_check_for(check.user, str(check.pk)) == check
    assert face_check_for(UserFactory(verified=True), check.pk) is None
    assert face_check_for(check.user, "not-a-uuid") is None


# --- No image is kept ----------------------------------------------------------------------


def test_strip_images_drops_known_image_keys_and_long_blobs_anywhere():
    answer = {
        "Text": {"ErrCode": 0, "Sim": "95.1"},
        "BestFrame": {"BestFrame": FAKE_BEST_FRAME, "BestFrames": [FAKE_BEST_FRAME]},
        "best_frame": "x",
        "IdCardData": {"OcrFront": FAKE_BEST_FRAME},
        "Other": [FAKE_BEST_FRAME, "kept"],
        "Nested": {"anything": FAKE_BEST_FRAME, "photo": "data:image/jpeg;base64,AAAA"},
    }
    stripped = strip_images(answer)
    assert stripped == {"Text": {"ErrCode": 0, "Sim": "95.1"}, "Other": ["kept"], "Nested": {}}


def rows_holding(fragment: str) -> list[str]:
    """Every table of the database whose rows, as text, contain ``fragment``."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        for (table,) in cursor.fetchall():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} AS t WHERE t::text LIKE %s LIMIT 1", [f"%{fragment}%"])  # noqa: S608
            if cursor.fetchone():
                found.append(table)
    return found


def test_no_image_bytes_are_parsed_stored_or_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    check, _ = start()
    client.force_login(check.user)
    body, headers = sandbox_callback(session_id=check.provider_session_id, result=SandboxResult.PASS)
    assert FAKE_BEST_FRAME.encode() in body  # the provider's answer carries a picture...

    # ...which parse_callback drops: its outcome has nothing but the four fields.
    response = post_callback(client, body, headers)
    assert response.status_code == 200, response.content
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PASSED
    assert not any(
        isinstance(field_value, bytes | memoryview) or FAKE_BEST_FRAME[:40] in str(field_value)
        for field_value in (getattr(check, field.attname) for field in FaceCheck._meta.concrete_fields)
    )
    assert rows_holding(FAKE_BEST_FRAME[:40]) == []
    assert FAKE_BEST_FRAME[:40] not in caplog.text
    assert not [field for field in FaceCheck._meta.get_fields() if "image" in field.name or "photo" in field.name]


# --- Assurance -------------------------------------------------------------------------------


def test_assurance_raise_lifts_to_l3_until_a_date_and_records_it():
    user = UserFactory(verified=True)
    until = timezone.now() + datetime.timedelta(days=365)

    raised = assurance_raise(user=user, level=AssuranceLevel.L3, until=until, reason="pension certification 2026")

    user.refresh_from_db()
    assert raised.assurance_level == user.assurance_level == AssuranceLevel.L3
    assert user.assurance_expires_at == until
    change = AssuranceChange.objects.get(user=user)
    assert (change.from_level, change.to_level, change.until, change.reason) == (
        AssuranceLevel.L2,
        AssuranceLevel.L3,
        until,
        "pension certification 2026",
    )
    # The same raise again records nothing; a later expiry extends it; an earlier one does not shorten it.
    assurance_raise(user=user, level=AssuranceLevel.L3, until=until, reason="again")
    assurance_raise(user=user, level=AssuranceLevel.L3, until=until - datetime.timedelta(days=1), reason="shorter")
    assert AssuranceChange.objects.filter(user=user).count() == 1
    later = until + datetime.timedelta(days=30)
    assurance_raise(user=user, level=AssuranceLevel.L3, until=later, reason="renewed")
    user.refresh_from_db()
    assert user.assurance_expires_at == later
    assert AssuranceChange.objects.filter(user=user).count() == 2


def test_assurance_raise_refuses_a_user_who_is_not_real_name_verified():
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        assurance_raise(
            user=user, level=AssuranceLevel.L3, until=timezone.now() + datetime.timedelta(days=1), reason="x"
        )
    assert refused.value.code == "real_name_required"


def test_an_expired_l3_goes_back_to_l2_recorded_and_others_stay():
    expired, current = UserFactory(verified=True), UserFactory(verified=True)
    for user in (expired, current):
        assurance_raise(
            user=user, level=AssuranceLevel.L3, until=timezone.now() + datetime.timedelta(days=1), reason="face"
        )
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    type(expired).objects.filter(pk=expired.pk).update(assurance_expires_at=timezone.now() - datetime.timedelta(1))

    assert expired.current_assurance_level == AssuranceLevel.L3
    expired.refresh_from_db()
    assert expired.assurance_level == AssuranceLevel.L3
    assert expired.current_assurance_level == AssuranceLevel.L2  # expired, before the task runs
    assert current.current_assurance_level == AssuranceLevel.L3
    assert assurance_lower_expired() == 1
    assert assurance_lower_expired() == 0
    expired.refresh_from_db()
    current.refresh_from_db()
    assert expired.assurance_level == AssuranceLevel.L2 and expired.assurance_expires_at is None
    assert current.assurance_level == AssuranceLevel.L3
    lowered = AssuranceChange.objects.filter(user=expired).first()
    assert (lowered.from_level, lowered.to_level) == (AssuranceLevel.L3, AssuranceLevel.L2)
    assert assurance_lower_expired(now=later) == 1


# --- The SANDBOX provider's page, end to end ---------------------------------------------


@pytest.mark.parametrize(
    ("choice", "status", "decision"),
    [
        (SandboxResult.PASS, FaceCheckStatus.PASSED, FaceCheckDecision.PASS),
        (SandboxResult.NO_MATCH, FaceCheckStatus.FAILED, FaceCheckDecision.NO_MATCH),
        (SandboxResult.SPOOF, FaceCheckStatus.FAILED, FaceCheckDecision.LIVENESS_FAILED),
        (SandboxResult.CANCEL, FaceCheckStatus.FAILED, FaceCheckDecision.CANCELLED),
    ],
)
def test_the_sandbox_page_decides_calls_back_signed_and_returns_the_browser(
    client, completed, choice, status, decision
):
    check, redirect_url = start()
    client.force_login(check.user)

    page = client.get(redirect_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "沙箱" in text and "SANDBOX" in text
    assert "getUserMedia" not in text  # no camera is touched

    response = client.post(redirect_url, {"result": choice})

    assert response.status_code == 302
    assert response["Location"] == f"/my/pension/certify/?task=7&face_check={check.pk}"
    check.refresh_from_db()
    assert (check.status, check.decision) == (status, decision)
    assert completed == [(FaceCheck, check.pk, status)]
    # Back on the page afterwards: nothing changes, the browser is sent on.
    assert client.post(redirect_url, {"result": SandboxResult.PASS})["Location"] == response["Location"]
    assert len(completed) == 1


def test_the_sandbox_page_is_only_for_the_checks_own_user(client):
    check, redirect_url = start()
    client.force_login(UserFactory(verified=True))
    assert client.get(redirect_url).status_code == 404
    assert client.post(redirect_url, {"result": SandboxResult.PASS}).status_code == 404
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


@override_settings(SANDBOX_GATEWAYS_ENABLED=False, FACE_CHECK_PROVIDER="tencent")
def test_the_sandbox_page_and_callback_are_gone_where_the_sandbox_may_not_run(client):
    check = FaceCheck.objects.create(
        user=UserFactory(verified=True),
        purpose="benefits.pension",
        provider="sandbox",
        provider_session_id="sbx-left-over",
        consent_text="x",
        consented_at=timezone.now(),
    )
    client.force_login(check.user)
    assert client.get(reverse("facecheck:sandbox", kwargs={"session_id": "sbx-left-over"})).status_code == 404
    body, headers = sandbox_callback(session_id="sbx-left-over", result=SandboxResult.PASS)
    response = post_callback(client, body, headers)
    assert response.status_code == 404
    assert response.json()["code"] == "face_provider_unknown"
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


def test_a_forged_or_stale_sandbox_callback_is_refused_with_a_problem(client):
    check, _ = start()
    url = reverse("facecheck:callback", kwargs={"provider": "sandbox"})
    body, _ = sandbox_callback(session_id=check.provider_session_id, result=SandboxResult.PASS)

    forged = client.post(url, data=body, content_type="application/json", headers={"X-Sandbox-Signature": "0" * 64})
    assert forged.status_code == 401
    assert forged["Content-Type"] == "application/problem+json"
    assert forged.json()["code"] == "face_callback_invalid"

    unsigned = client.post(url, data=body, content_type="application/json")
    assert unsigned.status_code == 401

    stale_body, stale_headers = sandbox_callback(
        session_id=check.provider_session_id, result=SandboxResult.PASS, timestamp=1_600_000_000
    )
    stale = post_callback(client, stale_body, stale_headers)
    assert stale.status_code == 401

    unknown_body, unknown_headers = sandbox_callback(session_id="sbx-nobody", result=SandboxResult.PASS)
    unknown = post_callback(client, unknown_body, unknown_headers)
    assert unknown.status_code == 404
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


def test_parse_callback_output_holds_no_image():
    check, _ = start()
    body, headers = sandbox_callback(session_id=check.provider_session_id, result=SandboxResult.PASS)
    from django.test import RequestFactory

    request = RequestFactory().post(
        "/", data=body, content_type="application/json", headers={"X-Sandbox-Signature": headers["X-Sandbox-Signature"]}
    )
    outcome = get_face_check_provider("sandbox").parse_callback(request)
    assert set(vars(outcome)) == {"provider_session_id", "liveness_passed", "match_score", "decision"}
    assert FAKE_BEST_FRAME[:40] not in repr(outcome)
    tampered = RequestFactory().post(
        "/",
        data=body.replace(b'"PASS"', b'"SPOOF"'),
        content_type="application/json",
        headers={"X-Sandbox-Signature": headers["X-Sandbox-Signature"]},
    )
    with pytest.raises(FaceCheckCallbackError):
        get_face_check_provider("sandbox").parse_callback(tampered)


def test_the_result_page_shows_ones_own_check_only(client):
    check, _ = start()
    face_check_finish(provider_name="sandbox", outcome=outcome_for(check))
    client.force_login(check.user)
    page = client.get(reverse("facecheck:result", kwargs={"check_id": check.pk}))
    assert page.status_code == 200
    assert "认证通过" in page.content.decode()
    client.force_login(UserFactory(verified=True))
    assert client.get(reverse("facecheck:result", kwargs={"check_id": check.pk})).status_code == 404
