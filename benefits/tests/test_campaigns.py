"""The campaign's life without the face check: opening, reminders, closing the window, officials'
suspensions and exemptions, home visits and hall certifications, and late certifications."""

import datetime

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from benefits import services
from benefits.constants import (
    CampaignStatus,
    ExemptionReason,
    Path,
    PaymentStatus,
    ReminderKind,
    Role,
    TaskAction,
    TaskStatus,
    VisitOutcome,
    VisitStatus,
)
from benefits.models import CampaignTransition, CertificationTask, ReminderSent, TaskTransition
from benefits.selectors import campaign_progress, reminder_due
from common.exceptions import ApplicationError
from notifications.constants import Channel
from notifications.models import OutboxMessage
from notifications.templates import render

from .factories import benefits_official, campaign, pensioner_task, resident

pytestmark = pytest.mark.django_db


def _outbox(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("created_at"))


def test_an_official_opens_a_draft_campaign_and_the_opening_is_recorded():
    official = benefits_official()
    draft = campaign(status=CampaignStatus.DRAFT)
    pensioner_task(draft)
    services.campaign_open(campaign_id=draft.pk, actor=official)
    services.campaign_open(campaign_id=draft.pk, actor=official)  # a repeated click changes nothing
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.OPEN
    assert draft.opened_by == official
    assert list(CampaignTransition.objects.filter(campaign=draft).values_list("from_status", "to_status", "actor")) == [
        (CampaignStatus.DRAFT, CampaignStatus.OPEN, official.pk)
    ]


def test_a_resident_cannot_open_a_campaign():
    draft = campaign(status=CampaignStatus.DRAFT)
    pensioner_task(draft)
    with pytest.raises(ApplicationError) as refused:
        services.campaign_open(campaign_id=draft.pk, actor=resident())
    assert refused.value.code == "permission_denied"


def test_closing_the_window_flags_exactly_the_uncertified():
    official = benefits_official()
    start = timezone.localdate() - datetime.timedelta(days=40)
    window = campaign(start=start, days=30)
    pending = [pensioner_task(window, name=f"待认证{n}", mobile=f"1370000000{n}") for n in range(3)]
    certified = pensioner_task(window, name="已认证")
    services.task_certify_in_person(task_id=certified.pk, actor=official, path=Path.HALL)
    other_campaign = campaign(start=start, days=60)  # its window still runs
    elsewhere = pensioner_task(other_campaign, name="别的批次")

    with pytest.raises(ApplicationError) as early:
        services.campaign_close(campaign_id=window.pk, today=window.window_end)
    assert early.value.code == "campaign_window_running"

    flagged = services.campaigns_close_due()
    assert flagged == {window.pk: 3}
    statuses = dict(CertificationTask.objects.values_list("pk", "status"))
    assert {task.pk for task in pending} == {pk for pk, status in statuses.items() if status == TaskStatus.FLAGGED}
    assert statuses[certified.pk] == TaskStatus.CERTIFIED
    assert statuses[elsewhere.pk] == TaskStatus.PENDING
    window.refresh_from_db()
    assert window.status == CampaignStatus.CLOSED
    # Every flag is a recorded transition by the system, and each pensioner is told (by SMS: no account).
    flags = TaskTransition.objects.filter(action=TaskAction.FLAG)
    assert sorted(flags.values_list("task_id", flat=True)) == sorted(task.pk for task in pending)
    assert set(flags.values_list("role", "from_status", "to_status")) == {
        (Role.SYSTEM, TaskStatus.PENDING, TaskStatus.FLAGGED)
    }
    told = _outbox("benefits.flagged")
    assert sorted(message.address for message in told) == ["13700000000", "13700000001", "13700000002"]
    assert {message.channel for message in told} == {Channel.SMS}
    # Closing again (beat runs daily) flags nothing more and tells nobody again.
    assert services.campaigns_close_due() == {}
    assert services.campaign_close(campaign_id=window.pk) == 0
    assert len(_outbox("benefits.flagged")) == 3


def test_closing_a_campaign_finds_the_pensioners_accounts_in_one_query():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    window = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    accounts = [resident() for _ in range(3)]
    for account in accounts:
        pensioner_task(window, account=account)
    for n in range(2):
        pensioner_task(window, name=f"无账户{n}", mobile=f"1370000001{n}")
    with CaptureQueriesContext(connection) as captured:
        assert services.campaign_close(campaign_id=window.pk) == 5
    account_reads = [query for query in captured.captured_queries if 'FROM "identity_user"' in query["sql"]]
    assert len(account_reads) == 1
    # Those with an account are told through it (their inbox), the others by SMS to the list's number.
    told = _outbox("benefits.flagged")
    assert {message.user_id for message in told if message.channel == Channel.INBOX} == {user.pk for user in accounts}
    assert {message.address for message in told if message.user_id is None} == {"13700000010", "13700000011"}


def _closed_with_flagged(official):
    window = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    task = pensioner_task(window)
    services.campaign_close(campaign_id=window.pk)
    return window, CertificationTask.objects.get(pk=task.pk)


def test_a_late_certification_resumes_payment():
    official = benefits_official()
    pensioner = resident()
    window = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    task = pensioner_task(window, account=pensioner)
    services.campaign_close(campaign_id=window.pk)
    services.task_suspend(task_id=task.pk, actor=official, comment="经核实未认证")
    task.refresh_from_db()
    assert (task.status, task.payment_status) == (TaskStatus.SUSPENDED, PaymentStatus.SUSPENDED)

    # Months later the pensioner turns up at a hall: certified, and the payment resumes by itself.
    services.task_certify_in_person(task_id=task.pk, actor=official, path=Path.HALL, comment="本人到场")
    task.refresh_from_db()
    assert task.status == TaskStatus.CERTIFIED
    assert task.payment_status == PaymentStatus.RESUMED
    assert task.path == Path.HALL and task.certified_by == official
    assert task.certified_until > timezone.now() + datetime.timedelta(days=364)
    steps = list(task.transitions.values_list("action", "from_status", "to_status", "payment_status"))
    assert steps == [
        (TaskAction.CREATE, "", TaskStatus.PENDING, PaymentStatus.ACTIVE),
        (TaskAction.FLAG, TaskStatus.PENDING, TaskStatus.FLAGGED, PaymentStatus.ACTIVE),
        (TaskAction.SUSPEND, TaskStatus.FLAGGED, TaskStatus.SUSPENDED, PaymentStatus.SUSPENDED),
        (TaskAction.CERTIFY, TaskStatus.SUSPENDED, TaskStatus.CERTIFIED, PaymentStatus.RESUMED),
    ]
    # The pensioner (with an account) is told in the inbox and by SMS, that payment resumed.
    resumed = _outbox("benefits.certified")
    assert {message.channel for message in resumed} == {Channel.INBOX, Channel.SMS}
    assert all(message.user == pensioner and message.context["resumed"] for message in resumed)
    # Certifying again changes nothing.
    services.task_certify_in_person(task_id=task.pk, actor=official, path=Path.HALL)
    assert task.transitions.count() == 4


def test_suspension_needs_a_flag_and_a_permission():
    official = benefits_official()
    window = campaign()
    task = pensioner_task(window)
    with pytest.raises(ApplicationError) as not_flagged:
        services.task_suspend(task_id=task.pk, actor=official)
    assert not_flagged.value.code == "task_transition_not_allowed"
    with pytest.raises(ApplicationError) as not_official:
        services.task_suspend(task_id=task.pk, actor=resident())
    assert not_official.value.code == "permission_denied"


def test_an_official_exempts_a_flagged_pensioner_with_a_reason():
    official = benefits_official()
    _window, task = _closed_with_flagged(official)
    with pytest.raises(ApplicationError) as no_note:
        services.task_exempt(task_id=task.pk, actor=official, reason=ExemptionReason.OTHER)
    assert no_note.value.code == "note_required"
    with pytest.raises(ApplicationError) as no_proof:
        services.task_exempt(task_id=task.pk, actor=official, reason=ExemptionReason.ABROAD, note="居住在加拿大")
    assert no_proof.value.code == "proof_required"
    services.task_exempt(task_id=task.pk, actor=official, reason=ExemptionReason.HOSPITAL, note="住院三个月")
    task.refresh_from_db()
    assert task.status == TaskStatus.EXEMPTED
    assert task.exemption_reason == ExemptionReason.HOSPITAL
    assert task.payment_status == PaymentStatus.ACTIVE
    last = task.transitions.last()
    assert (last.action, last.actor, last.role) == (TaskAction.EXEMPT, official, Role.OFFICIAL)
    assert "住院" in last.comment
    assert len(_outbox("benefits.exempted")) == 1


def test_exempting_a_suspended_pensioner_resumes_payment():
    official = benefits_official()
    _window, task = _closed_with_flagged(official)
    services.task_suspend(task_id=task.pk, actor=official)
    services.task_exempt(task_id=task.pk, actor=official, reason=ExemptionReason.HOSPITAL)
    task.refresh_from_db()
    assert (task.status, task.payment_status) == (TaskStatus.EXEMPTED, PaymentStatus.RESUMED)


def test_a_home_visit_requested_by_the_pensioner_is_recorded_by_an_official():
    official = benefits_official()
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    visit = services.home_visit_request(
        task_id=task.pk, user=pensioner, address="天河区体育西路1号", phone="137 0000 0000", preferred_time="上午"
    )
    again = services.home_visit_request(
        task_id=task.pk, user=pensioner, address="天河区体育西路2号", phone="020-12345678"
    )
    assert again.pk == visit.pk and again.address == "天河区体育西路2号"
    stranger = resident()
    with pytest.raises(ApplicationError) as refused:
        services.home_visit_request(task_id=task.pk, user=stranger, address="x", phone="13700000000")
    assert refused.value.code == "not_mandated"

    services.home_visit_record(visit_id=visit.pk, actor=official, outcome=VisitOutcome.CERTIFIED, note="本人在家")
    visit.refresh_from_db()
    task.refresh_from_db()
    assert (visit.status, visit.visited_by) == (VisitStatus.CERTIFIED, official)
    assert (task.status, task.path, task.certified_by) == (TaskStatus.CERTIFIED, Path.HOME_VISIT, official)
    last = task.transitions.last()
    assert (last.path, last.role, last.comment) == (Path.HOME_VISIT, Role.OFFICIAL, "本人在家")
    # A replayed form changes nothing; a different outcome is refused.
    services.home_visit_record(visit_id=visit.pk, actor=official, outcome=VisitOutcome.CERTIFIED)
    with pytest.raises(ApplicationError):
        services.home_visit_record(visit_id=visit.pk, actor=official, outcome=VisitOutcome.NOT_CERTIFIED, note="x")


def test_a_visit_without_the_pensioner_leaves_the_task_pending():
    official = benefits_official()
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    visit = services.home_visit_request(task_id=task.pk, user=pensioner, address="天河区", phone="13700000000")
    services.home_visit_record(visit_id=visit.pk, actor=official, outcome=VisitOutcome.NOT_CERTIFIED, note="无人在家")
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    assert campaign_progress(campaign=task.campaign).visits_requested == 0


def test_nobody_certifies_in_a_draft_campaign():
    official = benefits_official()
    task = pensioner_task(campaign(status=CampaignStatus.DRAFT))
    with pytest.raises(ApplicationError) as refused:
        services.task_certify_in_person(task_id=task.pk, actor=official)
    assert refused.value.code == "campaign_not_open"


def test_reminders_are_sent_once_each_across_the_three_moments():
    start = timezone.localdate()
    window = campaign(start=start, days=30)
    with_account = pensioner_task(window, account=resident())
    without_account = pensioner_task(window, name="无账号", mobile="13600000000")
    certified = pensioner_task(window, name="已认证", mobile="13600000001")
    services.task_certify_in_person(task_id=certified.pk, actor=benefits_official())

    moments = {
        ReminderKind.START: start,
        ReminderKind.MIDWAY: start + datetime.timedelta(days=15),
        ReminderKind.FINAL: start + datetime.timedelta(days=23),
    }
    assert reminder_due(window, start - datetime.timedelta(days=1)) is None
    assert reminder_due(window, start + datetime.timedelta(days=10)) == ReminderKind.START
    for kind, day in moments.items():
        assert reminder_due(window, day) == kind
        first = services.reminders_send(today=day)
        second = services.reminders_send(today=day)  # beat runs hourly
        assert first.sent == {kind: 2}
        assert second.sent == {}
    # One more run on a day in between sends nothing either.
    assert services.reminders_send(today=start + datetime.timedelta(days=20)).sent == {}

    reminders = ReminderSent.objects.all()
    assert sorted(reminders.values_list("task_id", "kind")) == sorted(
        (task.pk, kind) for task in (with_account, without_account) for kind in moments
    )
    messages = _outbox("benefits.reminder")
    # The pensioner with an account: inbox + SMS per reminder; without: SMS to the imported mobile.
    assert len([m for m in messages if m.user_id is not None]) == 6
    assert [m.channel for m in messages if m.user_id is None] == [Channel.SMS] * 3
    assert {m.address for m in messages if m.user_id is None} == {"13600000000"}
    assert not any(m.context.get("name") == "已认证" for m in messages)
    assert [m.context["kind"] for m in messages if m.user_id is None] == ["start", "midway", "final"]
    # The final reminder counts the days left from the setting's moment, not a number in the text.
    final = next(m for m in messages if m.user_id is None and m.context["kind"] == "final")
    assert final.context["days_left"] == settings.BENEFITS_FINAL_REMINDER_DAYS == 7
    assert "还剩7天" in render(final.template, "zh-hans", final.context).body


def test_no_reminders_for_draft_or_closed_campaigns():
    pensioner_task(campaign(status=CampaignStatus.DRAFT, start=timezone.localdate()))
    assert services.reminders_send().sent == {}
    assert OutboxMessage.objects.count() == 0


def test_transition_records_cannot_be_changed():
    task = pensioner_task(campaign())
    record = task.transitions.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TaskTransition.objects.filter(pk=record.pk).update(comment="改过")


def test_one_reminder_run_reaches_the_end_of_a_long_list_in_batches():
    start = timezone.localdate()
    window = campaign(start=start, days=30)
    for n in range(5):
        pensioner_task(window, name=f"人{n}", mobile=f"1370000{n:04d}")
    assert services.reminders_send(today=start, batch=2).sent == {ReminderKind.START: 5}
    assert ReminderSent.objects.count() == 5
