"""The weekly digest: one outbox message per head of each department that has one, once per
department and ISO week, with figures equal to independent counts on seeded data."""

import datetime

import pytest
from django.utils import timezone

from applications.constants import Status
from applications.models import Application
from complaints.constants import FOLLOWUP_FINAL_STATUSES, INQUIRY_OPEN_STATUSES, Level
from complaints.models import FollowUp, Inquiry
from complaints.tests.factories import rated_case, submitted_inquiry
from notifications.models import OutboxMessage
from notifications.templates import render
from supervision.constants import CARD_ACTIVE_STATUSES, Colour
from supervision.models import SupervisionCard, WeeklyDigest
from supervision.services import cards_issue, weekly_digests_send

from .factories import case_due, head, published_item, working_day

pytestmark = pytest.mark.django_db

# A Wednesday: the digest reports the ISO week of Monday 2026-11-16 to Sunday 2026-11-22.
TODAY = datetime.date(2026, 11, 25)
WEEK_START = datetime.date(2026, 11, 16)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _seed(item):
    """Cases submitted and concluded in and around the week, cards, an overdue follow-up and inquiry."""
    for day in (WEEK_START, WEEK_START + datetime.timedelta(days=6), WEEK_START - datetime.timedelta(days=1)):
        case = case_due(Status.ACCEPTED, item=item, deadline=TODAY + datetime.timedelta(days=30))
        Application.objects.filter(pk=case.pk).update(submitted_at=_at(day, 23))
    # Concluded in the week: on time (concluded the day of its deadline), late, and outside the week.
    for concluded_on, deadline in (
        (WEEK_START + datetime.timedelta(days=2), WEEK_START + datetime.timedelta(days=2)),
        (WEEK_START + datetime.timedelta(days=3), WEEK_START + datetime.timedelta(days=1)),
        (WEEK_START + datetime.timedelta(days=7), WEEK_START + datetime.timedelta(days=9)),
    ):
        case = case_due(Status.CONCLUDED, item=item, deadline=deadline)
        # 00:30 local is the day before in UTC: the on-time day is the local one.
        Application.objects.filter(pk=case.pk).update(
            concluded_at=_at(concluded_on, 0) + datetime.timedelta(minutes=30)
        )
    case_due(Status.IN_REVIEW, item=item, deadline=working_day(-2, today=TODAY))
    case_due(Status.IN_REVIEW, item=item, deadline=working_day(1, today=TODAY))
    case_due(Status.IN_REVIEW, item=item, deadline=working_day(2, today=TODAY))
    cards_issue(today=TODAY)
    _case, evaluation = rated_case(level=Level.VERY_DISSATISFIED, item=item)
    FollowUp.objects.filter(pk=evaluation.followup.pk).update(due_date=TODAY - datetime.timedelta(days=1))
    inquiry = submitted_inquiry(about_department=item.department)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        department=item.department, due_date=TODAY - datetime.timedelta(days=2)
    )


def _independent_counts(department) -> dict:
    """The same figures, counted in Python over every row."""
    start, end = WEEK_START, WEEK_START + datetime.timedelta(days=7)

    def in_week(moment):
        return moment is not None and start <= timezone.localdate(moment) < end

    cases = list(Application.objects.filter(department=department))
    concluded = [case for case in cases if in_week(case.concluded_at)]
    cards = [
        card for card in SupervisionCard.objects.filter(department=department) if card.status in CARD_ACTIVE_STATUSES
    ]
    return {
        "received": sum(1 for case in cases if in_week(case.submitted_at)),
        "concluded": len(concluded),
        "concluded_on_time": sum(
            1 for case in concluded if timezone.localdate(case.concluded_at) <= case.promised_deadline
        ),
        "open_yellow_cards": sum(1 for card in cards if card.colour == Colour.YELLOW),
        "open_red_cards": sum(1 for card in cards if card.colour == Colour.RED),
        "overdue_followups": sum(
            1
            for followup in FollowUp.objects.filter(department=department)
            if followup.status not in FOLLOWUP_FINAL_STATUSES and followup.due_date < TODAY
        ),
        "overdue_inquiries": sum(
            1
            for inquiry in Inquiry.objects.filter(department=department)
            if inquiry.status in INQUIRY_OPEN_STATUSES and inquiry.due_date < TODAY
        ),
    }


def test_each_head_gets_the_weeks_figures_once_per_department_and_week():
    item = published_item(department_code="ga")
    _seed(item)
    boss, deputy = head(department=item.department), head(department=item.department)
    published_item(department_code="rsj")  # a department without a head gets nothing

    assert weekly_digests_send(today=TODAY) == 1
    assert weekly_digests_send(today=TODAY) == 0
    assert weekly_digests_send(today=TODAY + datetime.timedelta(days=2)) == 0  # still the same week reported

    digest = WeeklyDigest.objects.get()
    assert (digest.department, digest.week_start, digest.recipients) == (item.department, WEEK_START, 2)
    expected = _independent_counts(item.department)
    assert expected == {
        "received": 2,
        "concluded": 2,
        "concluded_on_time": 1,
        "open_yellow_cards": 2,
        "open_red_cards": 1,
        "overdue_followups": 1,
        "overdue_inquiries": 1,
    }
    assert digest.figures == expected
    messages = OutboxMessage.objects.filter(template="supervision.weekly_digest")
    assert sorted(messages.values_list("user", flat=True)) == sorted([boss.pk, deputy.pk])
    assert messages.first().context["week"] == "2026-W47"

    # The next week is another digest.
    assert weekly_digests_send(today=TODAY + datetime.timedelta(days=7)) == 1
    assert WeeklyDigest.objects.count() == 2


def test_the_digest_reads_in_both_languages():
    item = published_item(department_code="ga")
    boss = head(department=item.department)
    weekly_digests_send(today=TODAY)
    message = OutboxMessage.objects.get(template="supervision.weekly_digest", user=boss)
    chinese = render(message.template, "zh-hans", message.context)
    english = render(message.template, "en", message.context)
    assert "2026-W47" in chinese.title
    assert "收件0件" in chinese.body
    assert "0 case(s) received" in english.body


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_racing_send_one_digest_per_department():
    import threading

    item = published_item(department_code="ga")
    boss = head(department=item.department)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            results.append(weekly_digests_send(today=TODAY))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sorted(results) == [0, 1]
    assert WeeklyDigest.objects.count() == 1
    assert OutboxMessage.objects.filter(template="supervision.weekly_digest", user=boss).count() == 1


def test_beat_sends_both_tasks():
    from celery.schedules import crontab
    from django.conf import settings

    from config.celery import app

    entries = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["supervision.issue_cards"] == 15 * 60.0
    assert isinstance(entries["supervision.weekly_digest"], crontab)
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert {"supervision.issue_cards", "supervision.weekly_digest"} <= set(app.tasks)
