"""Retention: each policy deletes what is old and keeps what is recent, a dry run deletes nothing,
and audit records younger than 180 days are never deleted."""

import datetime
from io import StringIO

import pgtrigger
import pytest
from axes.models import AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from applications.models import Application, Transition
from applications.services import application_start
from applications.tests.factories import published_item, resident
from common.models import IdempotencyKey
from identity.models import SmsCode, UserSession
from identity.tests.factories import UserFactory
from monitoring.retention import (
    RetentionFloorError,
    RetentionPolicy,
    RetentionRegistry,
    days_setting,
    policy_run,
    registry,
    retention_run,
)
from monitoring.tasks import purge_expired
from notifications.constants import OutboxStatus
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _sms_code(*, expired_days_ago: float) -> SmsCode:
    return SmsCode.objects.create(
        mobile="13900000000", purpose="login", code_digest="x", expires_at=ago(expired_days_ago)
    )


def _outbox(*, status: str, delivered_days_ago: float | None) -> OutboxMessage:
    delivered_at = ago(delivered_days_ago) if delivered_days_ago is not None else None
    return OutboxMessage.objects.create(channel="inbox", template="t", status=status, delivered_at=delivered_at)


def _session(key: str, *, expired_days_ago: float) -> Session:
    return Session.objects.create(session_key=key, session_data="", expire_date=ago(expired_days_ago))


def _user_session(*, ended_days_ago: float | None) -> UserSession:
    ended_at = ago(ended_days_ago) if ended_days_ago is not None else None
    # Signed in an hour before it ended (or just now, for one still open).
    created_at = ended_at - datetime.timedelta(hours=1) if ended_at else timezone.now()
    key = f"s{timezone.now().timestamp()}"
    return UserSession.objects.create(
        user=UserFactory(), session_key=key, created_at=created_at, last_seen_at=created_at, ended_at=ended_at
    )


def _access_log(*, days_ago: float) -> AccessLog:
    row = AccessLog.objects.create(username="13900000001", ip_address="203.0.113.7", user_agent="t", path_info="/")
    AccessLog.objects.filter(pk=row.pk).update(attempt_time=ago(days_ago))
    return row


def _idempotency_key(*, hours_ago: float) -> IdempotencyKey:
    created_at = timezone.now() - datetime.timedelta(hours=hours_ago)
    return IdempotencyKey.objects.create(key=f"k{hours_ago}", fingerprint="f", created_at=created_at)


def _draft(item, *, untouched_days: float) -> Application:
    draft = application_start(applicant=resident(), item_code=item.code)
    Application.objects.filter(pk=draft.pk).update(updated_at=ago(untouched_days))
    return draft


def test_every_policy_deletes_old_rows_and_keeps_recent_ones(settings):
    settings.APPLICATION_DRAFT_RETENTION_DAYS = 30
    settings.SMS_CODE_RETENTION_DAYS = 7
    settings.OUTBOX_DELIVERED_RETENTION_DAYS = 30
    settings.EXPIRED_SESSION_RETENTION_DAYS = 1
    settings.USER_SESSION_RETENTION_DAYS = 180
    settings.AXES_LOG_RETENTION_DAYS = 180
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    item = published_item()
    old_draft, recent_draft = _draft(item, untouched_days=31), _draft(item, untouched_days=29)
    old_code, recent_code = _sms_code(expired_days_ago=8), _sms_code(expired_days_ago=6)
    old_sent = _outbox(status=OutboxStatus.DELIVERED, delivered_days_ago=31)
    recent_sent = _outbox(status=OutboxStatus.DELIVERED, delivered_days_ago=29)
    pending = _outbox(status=OutboxStatus.PENDING, delivered_days_ago=None)
    dead = _outbox(status=OutboxStatus.DEAD, delivered_days_ago=None)
    OutboxMessage.objects.filter(pk__in=[pending.pk, dead.pk]).update(created_at=ago(90))
    _session("old-session", expired_days_ago=2)
    _session("recent-session", expired_days_ago=0.5)
    _session("live-session", expired_days_ago=-1)
    old_ended, recent_ended = _user_session(ended_days_ago=181), _user_session(ended_days_ago=179)
    still_open = _user_session(ended_days_ago=None)
    old_log, recent_log = _access_log(days_ago=181), _access_log(days_ago=179)
    old_key, recent_key = _idempotency_key(hours_ago=25), _idempotency_key(hours_ago=23)

    results = {result.policy: result for result in retention_run()}

    assert set(results) == set(registry.names())
    assert results["drafts"].counts == {"applications.Application": 1}
    assert set(Application.objects.values_list("pk", flat=True)) == {recent_draft.pk}
    assert old_draft.pk not in Application.objects.values_list("pk", flat=True)
    assert list(SmsCode.objects.values_list("pk", flat=True)) == [recent_code.pk]
    assert old_code.pk != recent_code.pk
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent_sent.pk, pending.pk, dead.pk}
    assert old_sent.pk not in set(OutboxMessage.objects.values_list("pk", flat=True))
    assert set(Session.objects.values_list("session_key", flat=True)) == {"recent-session", "live-session"}
    assert set(UserSession.objects.values_list("pk", flat=True)) == {recent_ended.pk, still_open.pk}
    assert old_ended.pk != recent_ended.pk
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent_log.pk]
    assert old_log.pk != recent_log.pk
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [recent_key.pk]
    assert old_key.pk != recent_key.pk
    assert results["sms-codes"].counts == {"identity.SmsCode": 1}
    assert results["delivered-outbox"].counts == {"notifications.OutboxMessage": 1}
    assert results["expired-sessions"].counts == {"sessions.Session": 1}
    assert results["ended-user-sessions"].counts == {"identity.UserSession": 1}
    assert results["sign-in-records"].counts["axes.AccessLog"] == 1
    assert results["idempotency-keys"].counts == {"common.IdempotencyKey": 1}


def test_a_dry_run_deletes_nothing_and_reports_what_would_go(settings):
    settings.SMS_CODE_RETENTION_DAYS = 7
    settings.OUTBOX_DELIVERED_RETENTION_DAYS = 30
    for _ in range(3):
        _sms_code(expired_days_ago=10)
    _sms_code(expired_days_ago=1)
    _outbox(status=OutboxStatus.DELIVERED, delivered_days_ago=40)

    out = StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)

    assert SmsCode.objects.count() == 4
    assert OutboxMessage.objects.count() == 1
    lines = {line.split(":", 1)[0]: line for line in out.getvalue().splitlines()}
    assert set(lines) == set(registry.names())
    assert "would delete 3 " in lines["sms-codes"]
    assert "would delete 1 " in lines["delivered-outbox"]
    assert "would delete 0 " in lines["expired-sessions"]


def test_the_command_runs_one_policy_and_reports_what_went(settings):
    settings.SMS_CODE_RETENTION_DAYS = 7
    _sms_code(expired_days_ago=10)
    _outbox(status=OutboxStatus.DELIVERED, delivered_days_ago=400)

    out = StringIO()
    call_command("purge_expired", "--policy", "sms-codes", stdout=out)

    assert out.getvalue().startswith("sms-codes: deleted 1 ")
    assert len(out.getvalue().splitlines()) == 1
    assert not SmsCode.objects.exists()
    assert OutboxMessage.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("purge_expired", "--policy", "no-such-policy")


def test_the_daily_task_is_scheduled_and_honours_the_dry_run_setting(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["monitoring-purge-expired"]
    assert entry["task"] == "monitoring.purge_expired"
    _sms_code(expired_days_ago=30)

    settings.RETENTION_DRY_RUN = True
    assert purge_expired.apply().get()["sms-codes"] == {"identity.SmsCode": 1}
    assert SmsCode.objects.count() == 1

    settings.RETENTION_DRY_RUN = False
    assert purge_expired.apply().get()["sms-codes"] == {"identity.SmsCode": 1}
    assert not SmsCode.objects.exists()


def _audit_policy(days_setting_name: str) -> RetentionPolicy:
    return RetentionPolicy(
        name="transitions",
        description="test",
        age_setting=days_setting_name,
        age=days_setting(days_setting_name),
        candidates=lambda cutoff: {"applications.Transition": Transition.objects.filter(created_at__lt=cutoff)},
    )


def test_a_policy_purging_audit_records_younger_than_180_days_is_refused_at_registration(settings):
    settings.TEST_TRANSITION_DAYS = 179
    with pytest.raises(RetentionFloorError, match="180-day floor"):
        RetentionRegistry().register(_audit_policy("TEST_TRANSITION_DAYS"))

    settings.TEST_TRANSITION_DAYS = 180
    assert RetentionRegistry().register(_audit_policy("TEST_TRANSITION_DAYS"))


def test_the_floor_can_not_be_lowered_by_setting(settings):
    settings.RETENTION_AUDIT_FLOOR_DAYS = 30
    settings.TEST_TRANSITION_DAYS = 60
    with pytest.raises(RetentionFloorError):
        RetentionRegistry().register(_audit_policy("TEST_TRANSITION_DAYS"))


def test_an_audit_policy_shortened_after_registration_refuses_to_run(settings):
    settings.AXES_LOG_RETENTION_DAYS = 180
    _access_log(days_ago=100)
    settings.AXES_LOG_RETENTION_DAYS = 90

    with pytest.raises(RetentionFloorError):
        retention_run(names=["sign-in-records"])
    with pytest.raises(RetentionFloorError):
        retention_run(names=["sign-in-records"], dry_run=True)
    assert AccessLog.objects.count() == 1


def test_a_short_policy_refuses_when_its_rows_would_take_audit_records_with_them(settings):
    settings.APPLICATION_DRAFT_RETENTION_DAYS = 30
    draft = _draft(published_item(), untouched_days=31)
    # A draft with a recorded transition (none has one today): deleting it would cascade to the record.
    Transition.objects.create(application=draft, from_status="draft", to_status="draft", role="applicant")

    with pytest.raises(RetentionFloorError, match=r"applications\.Transition"):
        policy_run(registry.get("drafts"), dry_run=False)
    assert Application.objects.filter(pk=draft.pk).exists()
    assert Transition.objects.filter(application=draft).exists()


def test_the_webhook_log_policy_counts_and_purges_finished_old_deliveries_and_their_events(settings):
    from partners.models import DeliveryStatus, WebhookDelivery, WebhookEvent
    from partners.tests.test_webhooks import consent, make_client, make_partner, publish_status_change, subscribe

    settings.WEBHOOK_LOG_RETENTION_DAYS = 180
    partner = make_partner()
    user = resident()
    consent(user, make_client(partner, client_id="retention-partner"))
    subscribe(partner, "https://hooks.partner.example.cn/tongban")
    deliveries = {}
    for name, status, days in (
        ("old-delivered", DeliveryStatus.DELIVERED, 200),
        ("old-failed", DeliveryStatus.FAILED, 200),
        ("old-pending", DeliveryStatus.PENDING, 200),
        ("recent-delivered", DeliveryStatus.DELIVERED, 100),
    ):
        event = publish_status_change(user, case_number=name)
        WebhookEvent.objects.filter(pk=event.pk).update(created_at=ago(days))
        delivery = WebhookDelivery.objects.get(event=event)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status, created_at=ago(days))
        deliveries[name] = delivery.pk

    dry = policy_run(registry.get("webhook-log"), dry_run=True)

    assert dry.counts == {"partners.WebhookDelivery": 2, "partners.WebhookEvent": 2}
    assert WebhookDelivery.objects.count() == 4

    done = policy_run(registry.get("webhook-log"), dry_run=False)

    assert done.counts == {"partners.WebhookDelivery": 2}
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        deliveries["old-pending"],
        deliveries["recent-delivered"],
    }
    assert WebhookEvent.objects.count() == 2


def test_a_long_policy_still_never_takes_young_audit_records_with_old_rows(settings):
    settings.TEST_OLD_DRAFT_DAYS = 200
    draft = _draft(published_item(), untouched_days=201)
    Transition.objects.create(application=draft, from_status="draft", to_status="draft", role="applicant")
    policy = RetentionPolicy(
        name="old-applications",
        description="test",
        age_setting="TEST_OLD_DRAFT_DAYS",
        age=days_setting("TEST_OLD_DRAFT_DAYS"),
        candidates=lambda cutoff: {"applications.Application": Application.objects.filter(updated_at__lt=cutoff)},
    )

    with pytest.raises(RetentionFloorError, match=r"applications\.Transition"):
        policy_run(policy, dry_run=False)
    assert Transition.objects.filter(application=draft).exists()

    # Once the record itself is past the floor, the old row (and its record) may go. Audit rows
    # refuse UPDATE (audit/triggers.py), so the test ages it with that trigger off for the moment.
    with pgtrigger.ignore("applications.Transition:audit_no_update"):
        Transition.objects.filter(application=draft).update(created_at=ago(181))
    assert policy_run(policy, dry_run=False).counts == {"applications.Application": 1}


def test_an_audit_policy_whose_selection_ignores_its_age_is_refused_at_run_time(settings):
    settings.TEST_SESSION_RECORD_DAYS = 365
    recent = _user_session(ended_days_ago=None)
    policy = RetentionPolicy(
        name="every-session-record",
        description="test",
        age_setting="TEST_SESSION_RECORD_DAYS",
        age=days_setting("TEST_SESSION_RECORD_DAYS"),
        candidates=lambda cutoff: {"identity.UserSession": UserSession.objects.all()},
    )
    RetentionRegistry().register(policy)  # its age is fine: only its rows give it away

    with pytest.raises(RetentionFloorError, match=r"identity\.UserSession"):
        policy_run(policy, dry_run=True)
    assert UserSession.objects.filter(pk=recent.pk).exists()


def test_a_refused_policy_does_not_stop_the_others_and_fails_the_run(settings):
    settings.AXES_LOG_RETENTION_DAYS = 180
    settings.SMS_CODE_RETENTION_DAYS = 7
    _access_log(days_ago=100)
    _sms_code(expired_days_ago=30)
    settings.AXES_LOG_RETENTION_DAYS = 90  # below the floor after start-up

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="sign-in-records"):
        call_command("purge_expired", stdout=out, stderr=err)
    assert "sign-in-records: refused" in err.getvalue()
    assert "sms-codes: deleted 1 " in out.getvalue()
    assert not SmsCode.objects.exists()
    assert AccessLog.objects.count() == 1

    _sms_code(expired_days_ago=30)
    result = purge_expired.apply(throw=False)
    assert result.failed()
    assert isinstance(result.result, RetentionFloorError)
    assert not SmsCode.objects.exists()
