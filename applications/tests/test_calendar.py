import datetime

import pytest
from django.utils import timezone

from applications.calendar import add_working_days, working_days_between
from applications.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_package_data_was_copied_by_the_migration():
    assert CalendarYear.objects.filter(year=2026).exists()
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(date=D(2026, 9, 20)).kind == CalendarDay.Kind.WORKDAY


def test_deadline_skips_national_day_week():
    # Tuesday 29 September 2026 + 3 working days: 30 Sep, then 1–7 Oct are holidays, then 8 and 9 Oct.
    deadline = add_working_days(D(2026, 9, 29), 3)
    assert deadline.date == D(2026, 10, 9)
    assert not deadline.provisional


def test_deadline_counts_a_make_up_saturday():
    # Friday 9 October 2026 + 1 working day: Saturday 10 October is a make-up workday (调休).
    assert add_working_days(D(2026, 10, 9), 1).date == D(2026, 10, 10)
    # Friday 18 September 2026 + 2: Sunday 20 September is a make-up workday, then Monday 21.
    assert add_working_days(D(2026, 9, 18), 2).date == D(2026, 9, 21)


def test_ordinary_weekends_are_skipped():
    # Friday 13 November 2026 + 1 working day is Monday 16 November.
    assert add_working_days(D(2026, 11, 13), 1).date == D(2026, 11, 16)


def test_a_deadline_into_an_unknown_year_is_provisional_not_guessed():
    # 20 working days from 10 December 2026 reaches into 2027, which no one has entered yet.
    deadline = add_working_days(D(2026, 12, 10), 20)
    assert deadline.provisional
    assert deadline.unknown_years == (2027,)
    assert deadline.date == D(2027, 1, 7)  # weekends only: 1 January is not known to be a holiday


def test_entering_the_next_year_makes_the_deadline_firm():
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（演示）")
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    deadline = add_working_days(D(2026, 12, 10), 20)
    assert not deadline.provisional
    assert deadline.date == D(2027, 1, 8)


def test_working_days_between_counts_both_ways():
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 9)) == 3
    assert working_days_between(D(2026, 10, 9), D(2026, 9, 29)) == -3
    assert working_days_between(D(2026, 10, 9), D(2026, 10, 9)) == 0


def test_the_calendar_costs_two_queries_however_long_the_limit(django_assert_num_queries):
    with django_assert_num_queries(2):
        add_working_days(D(2026, 1, 5), 5)
    with django_assert_num_queries(2):
        add_working_days(D(2026, 1, 5), 200)


# --- Deadlines recomputed when officials extend the calendar ------------------------------------


def _expected_deadline(start: datetime.date, working_days: int, *, holidays: set, workdays: set) -> datetime.date:
    """Counted independently: the package's data for known years, the test's own days for the new one."""
    import chinese_calendar

    day, remaining = start, working_days
    while remaining:
        day += datetime.timedelta(days=1)
        if day in workdays:
            working = True
        elif day in holidays:
            working = False
        elif CalendarYear.objects.filter(year=day.year, source__startswith="chinesecalendar").exists():
            working = chinese_calendar.is_workday(day)
        else:
            working = day.weekday() < 5
        remaining -= working
    return day


@pytest.fixture
def next_year():
    return CalendarYear.objects.order_by("-year").values_list("year", flat=True).first() + 1


@pytest.fixture
def provisional_case(next_year):
    """A case whose limits run into the year nobody has entered yet."""
    from applications.tests import factories

    today = timezone.localdate()
    promised = max((D(next_year, 1, 20) - today).days * 5 // 7, 0) + 10
    item = factories.published_item(code="CAL-001", promised=promised, statutory=promised + 5)
    case = factories.submitted_application(applicant=factories.resident(), item=item)
    assert case.deadline_provisional
    return case


def _new_year_days(year: int) -> tuple[set, set]:
    """Holidays on the first three weekdays of the year, and a make-up workday on its second Saturday."""
    days = [D(year, 1, 1) + datetime.timedelta(days=n) for n in range(14)]
    holidays = {day for day in days if day.weekday() < 5}
    holidays = set(sorted(holidays)[:3])
    saturdays = [day for day in days if day.weekday() == 5]
    return holidays, {saturdays[1]}


def _enter_year(year: int, holidays: set, workdays: set) -> None:
    CalendarYear.objects.create(year=year, source=f"国务院办公厅关于{year}年部分节假日安排的通知")
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name="元旦") for day in holidays]
        + [CalendarDay(date=day, kind=CalendarDay.Kind.WORKDAY, name="调休") for day in workdays]
    )


def test_entering_the_year_recomputes_provisional_deadlines_and_the_resident_sees_them(
    client, provisional_case, next_year
):
    from applications.models import DeadlineRevision
    from applications.services import deadline_recompute_provisional
    from notifications.constants import Channel
    from notifications.models import OutboxMessage

    case = provisional_case
    old_promised = case.promised_deadline
    holidays, workdays = _new_year_days(next_year)
    _enter_year(next_year, holidays, workdays)

    assert deadline_recompute_provisional(year=next_year) == 1

    case.refresh_from_db()
    start = timezone.localdate(case.submitted_at)
    version = case.service_version
    expected = _expected_deadline(start, version.promised_limit_days, holidays=holidays, workdays=workdays)
    assert case.promised_deadline == expected != old_promised
    assert case.statutory_deadline == _expected_deadline(
        start, version.statutory_limit_days, holidays=holidays, workdays=workdays
    )
    assert not case.deadline_provisional
    (revision,) = DeadlineRevision.objects.filter(application=case)
    assert (revision.old_promised_deadline, revision.new_promised_deadline) == (old_promised, expected)
    assert revision.was_provisional and not revision.provisional
    message = OutboxMessage.objects.get(
        template="applications.deadline_corrected", user=case.applicant, channel=Channel.INBOX
    )
    assert message.context["promised_deadline"] == expected.isoformat()

    client.force_login(case.applicant)
    page = client.get(f"/my/applications/{case.case_number}/").content.decode()
    assert f"{expected:%Y-%m-%d}" in page
    assert "暂定" not in page

    # Idempotent: nothing changed since, nothing is recomputed or recorded.
    assert deadline_recompute_provisional(year=next_year) == 0
    assert DeadlineRevision.objects.filter(application=case).count() == 1


def test_a_paused_clock_is_kept_in_the_recomputed_deadline(provisional_case, next_year):
    from applications.models import Application
    from applications.services import deadline_recompute_provisional

    Application.objects.filter(pk=provisional_case.pk).update(paused_working_days=3)
    holidays, workdays = _new_year_days(next_year)
    _enter_year(next_year, holidays, workdays)
    deadline_recompute_provisional(year=next_year)

    provisional_case.refresh_from_db()
    start = timezone.localdate(provisional_case.submitted_at)
    limit = provisional_case.service_version.promised_limit_days + 3
    assert provisional_case.promised_deadline == _expected_deadline(start, limit, holidays=holidays, workdays=workdays)


def test_the_calendar_admin_recomputes_deadlines_as_officials_enter_the_year(client, provisional_case, next_year):
    from applications.models import DeadlineRevision
    from identity.tests.factories import UserFactory, login_with_totp

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_with_totp(client, admin_user)
    holidays, workdays = _new_year_days(next_year)

    response = client.post(
        "/admin/applications/calendaryear/add/",
        {"year": next_year, "source": f"国务院办公厅关于{next_year}年部分节假日安排的通知"},
    )
    assert response.status_code == 302
    # The year alone (no days yet) makes the deadline firm on weekends only...
    provisional_case.refresh_from_db()
    assert not provisional_case.deadline_provisional
    # ...and each day entered afterwards moves it again.
    for day in sorted(holidays):
        response = client.post(
            "/admin/applications/calendarday/add/", {"date": day.isoformat(), "kind": "holiday", "name": "元旦"}
        )
        assert response.status_code == 302
    for day in workdays:
        response = client.post(
            "/admin/applications/calendarday/add/", {"date": day.isoformat(), "kind": "workday", "name": "调休"}
        )
        assert response.status_code == 302

    provisional_case.refresh_from_db()
    start = timezone.localdate(provisional_case.submitted_at)
    assert provisional_case.promised_deadline == _expected_deadline(
        start, provisional_case.service_version.promised_limit_days, holidays=holidays, workdays=workdays
    )
    revisions = DeadlineRevision.objects.filter(application=provisional_case)
    assert revisions.count() >= 2
    assert all(revision.changed_by == admin_user for revision in revisions)
