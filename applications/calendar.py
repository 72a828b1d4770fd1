"""Chinese working days (工作日) for statutory and promised time limits.

Time limits count working days (行政许可法 art. 82): Monday to Friday, minus
public holidays, plus make-up workdays on weekends (调休). The exceptions live
in :class:`~applications.models.CalendarDay`; the years they cover in
:class:`~applications.models.CalendarYear`.

A count that runs into a year nobody has entered yet is computed on weekends
alone and marked **provisional**, never silently guessed: it is recomputed
when officials add that year or change its days
(:func:`applications.services.deadline_recompute_provisional`, called by the
calendar admin).
"""

import datetime
from dataclasses import dataclass, field

from .models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    provisional: bool
    unknown_years: tuple[int, ...] = field(default_factory=tuple)


class WorkingCalendar:
    """The known exceptions for a span of years, loaded with two queries."""

    def __init__(self, *, first_year: int, last_year: int):
        self.known_years = set(
            CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year).values_list("year", flat=True)
        )
        days = CalendarDay.objects.filter(
            date__gte=datetime.date(first_year, 1, 1), date__lte=datetime.date(last_year, 12, 31)
        ).values_list("date", "kind")
        self.holidays = {day for day, kind in days if kind == CalendarDay.Kind.HOLIDAY}
        self.workdays = {day for day, kind in days if kind == CalendarDay.Kind.WORKDAY}

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_known(self, day: datetime.date) -> bool:
        return day.year in self.known_years

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.
        The years between must be loaded (e.g. once for a whole page of cases)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        low, high = sorted((start, end))
        count = 0
        day = low
        while day < high:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count


def _calendar_for(start: datetime.date, working_days: int) -> WorkingCalendar:
    # Two calendar days per working day is a generous upper bound (long holidays included).
    return WorkingCalendar(
        first_year=start.year, last_year=(start + datetime.timedelta(days=working_days * 2 + 30)).year
    )


def add_working_days(start: datetime.date, working_days: int, *, calendar: WorkingCalendar | None = None) -> Deadline:
    """The date ``working_days`` working days after ``start`` (the start day not counted).

    ``working_days=0`` answers ``start`` itself. Pass ``calendar`` to reuse one
    loaded for many counts (it must cover the years the count reaches).
    """
    calendar = calendar or _calendar_for(start, working_days)
    day = start
    unknown: set[int] = set()
    remaining = working_days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if not calendar.is_known(day):
            unknown.add(day.year)
        if calendar.is_working_day(day):
            remaining -= 1
    return Deadline(date=day, provisional=bool(unknown), unknown_years=tuple(sorted(unknown)))


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    low, high = sorted((start, end))
    return WorkingCalendar(first_year=low.year, last_year=high.year).working_days_between(start, end)


def calendar_seed_from_package(*, day_model=CalendarDay, year_model=CalendarYear) -> int:
    """Copy the ``chinesecalendar`` package's data into the tables (idempotent).

    Migration 0002 calls it with its historical models; tests that flush the
    database (pytest's transactional tests) call it again.
    """
    import chinese_calendar

    rows = [day_model(date=day, kind="holiday", name=str(name)) for day, name in chinese_calendar.holidays.items()]
    rows += [day_model(date=day, kind="workday", name=str(name)) for day, name in chinese_calendar.workdays.items()]
    day_model.objects.bulk_create(rows, ignore_conflicts=True)
    for year in sorted({day.year for day in chinese_calendar.holidays}):
        year_model.objects.get_or_create(year=year, defaults={"source": "chinesecalendar 1.11.0"})
    return len(rows)
