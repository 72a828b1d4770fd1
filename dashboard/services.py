"""Writes for the dashboard: recomputing the summary tables (see :mod:`dashboard.models`).

Each day is recomputed on its own, in one transaction: its rows are deleted and
inserted again from ``INSERT … SELECT`` aggregates over the cases, materials,
payments and refunds of that day. Running it twice leaves the same rows; a
dashboard reading meanwhile sees the day before or after, never half of it.

Days are local days (``TIME_ZONE``, Asia/Shanghai). Working days to conclude count
the working days after the day of submission up to and including the day of
conclusion (as :func:`applications.calendar.working_days_between`), on the
calendar table, less the working days the clock stood still for supplements.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applications.constants import MaterialSource, Status
from applications.models import Application
from payments.constants import RefundStatus

from .models import DailyDuration, DailyPayment, DailySummary

logger = logging.getLogger(__name__)

# The cases concluded on the day, with their working days to conclude (calendar ordinals:
# the working days in (submitted, concluded] are ordinal(concluded) − ordinal(submitted)).
_CONCLUDED = """
concluded AS (
    SELECT a.department_id, a.service_item_id, a.promised_deadline, a.statutory_deadline,
           a.paused_working_days, (a.submitted_at AT TIME ZONE %(tz)s)::date AS submitted_on
    FROM applications_application a
    WHERE a.status = %(concluded)s AND a.concluded_at >= %(start)s AND a.concluded_at < %(end)s
      AND a.department_id IS NOT NULL AND a.submitted_at IS NOT NULL
),
calendar AS (
    SELECT d::date AS day,
           SUM(CASE WHEN c.kind = 'workday' THEN 1 WHEN c.kind = 'holiday' THEN 0
                    WHEN EXTRACT(ISODOW FROM d) < 6 THEN 1 ELSE 0 END) OVER (ORDER BY d) AS ordinal
    FROM generate_series(
        LEAST((SELECT MIN(submitted_on) FROM concluded), %(day)s::date), %(day)s::date, INTERVAL '1 day'
    ) AS d
    LEFT JOIN applications_calendarday c ON c.date = d::date
),
timed AS (
    SELECT concluded.*,
           GREATEST(
               (SELECT ordinal FROM calendar WHERE day = %(day)s::date)
               - (SELECT ordinal FROM calendar WHERE day = concluded.submitted_on)
               - concluded.paused_working_days,
               0
           ) AS working_days
    FROM concluded
)
"""

# Constant SQL: every value is a parameter.
_SUMMARY = "".join(
    (
        "WITH",
        _CONCLUDED,
        """,
received AS (
    SELECT a.department_id, a.service_item_id,
           COUNT(*) AS received,
           SUM(CASE WHEN jsonb_typeof(a.form_data) = 'object'
                    THEN (SELECT COUNT(*) FROM jsonb_object_keys(a.form_data)) ELSE 0 END) AS fields_total,
           SUM(CASE WHEN jsonb_typeof(a.form_data) = 'object' AND jsonb_typeof(a.field_sources) = 'object'
                    THEN (SELECT COUNT(*) FROM jsonb_object_keys(a.field_sources) k WHERE a.form_data ? k)
                    ELSE 0 END) AS fields_prefilled,
           SUM((SELECT COUNT(*) FROM applications_submittedmaterial m
                WHERE m.application_id = a.id AND m.supplement_id IS NULL)) AS materials_total,
           SUM((SELECT COUNT(*) FROM applications_submittedmaterial m
                WHERE m.application_id = a.id AND m.supplement_id IS NULL AND m.source = %(certificate)s))
               AS materials_certificate,
           COUNT(v.id) AS versions_counted,
           COALESCE(SUM(v.on_site_visits), 0) AS visits_sum,
           COALESCE(SUM(v.promised_limit_days), 0) AS promised_limit_sum,
           COALESCE(SUM(v.statutory_limit_days), 0) AS statutory_limit_sum
    FROM applications_application a
    LEFT JOIN services_serviceitemversion v ON v.id = a.service_version_id
    WHERE a.submitted_at >= %(start)s AND a.submitted_at < %(end)s AND a.department_id IS NOT NULL
    GROUP BY a.department_id, a.service_item_id
),
open_cases AS (
    SELECT a.department_id, a.service_item_id, COUNT(*) AS in_progress
    FROM applications_application a
    WHERE a.submitted_at < %(end)s AND a.department_id IS NOT NULL
      AND NOT COALESCE(a.concluded_at < %(end)s, FALSE)
      AND NOT (a.status = ANY(%(stopped)s) AND EXISTS (
          SELECT 1 FROM applications_transition t
          WHERE t.application_id = a.id AND t.to_status = ANY(%(stopped)s) AND t.created_at < %(end)s))
    GROUP BY a.department_id, a.service_item_id
),
concluded_counts AS (
    SELECT department_id, service_item_id, COUNT(*) AS concluded,
           COUNT(promised_deadline) AS promised_counted,
           COUNT(*) FILTER (WHERE %(day)s::date <= promised_deadline) AS on_time_promised,
           COUNT(statutory_deadline) AS statutory_counted,
           COUNT(*) FILTER (WHERE %(day)s::date <= statutory_deadline) AS on_time_statutory,
           SUM(working_days) AS working_days_sum
    FROM timed GROUP BY department_id, service_item_id
),
parts AS (
    SELECT department_id, service_item_id, received, 0 AS concluded, 0 AS in_progress,
           0 AS promised_counted, 0 AS on_time_promised, 0 AS statutory_counted, 0 AS on_time_statutory,
           0 AS working_days_sum, fields_total, fields_prefilled, materials_total, materials_certificate,
           versions_counted, visits_sum, promised_limit_sum, statutory_limit_sum
    FROM received
    UNION ALL
    SELECT department_id, service_item_id, 0, concluded, 0, promised_counted, on_time_promised,
           statutory_counted, on_time_statutory, working_days_sum, 0, 0, 0, 0, 0, 0, 0, 0
    FROM concluded_counts
    UNION ALL
    SELECT department_id, service_item_id, 0, 0, in_progress, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM open_cases
)
INSERT INTO dashboard_dailysummary (
    day, department_id, service_item_id, received, concluded, in_progress, promised_counted,
    on_time_promised, statutory_counted, on_time_statutory, working_days_sum, fields_total,
    fields_prefilled, materials_total, materials_certificate, versions_counted, visits_sum,
    promised_limit_sum, statutory_limit_sum
)
SELECT %(day)s::date, department_id, service_item_id, SUM(received), SUM(concluded), SUM(in_progress),
       SUM(promised_counted), SUM(on_time_promised), SUM(statutory_counted), SUM(on_time_statutory),
       SUM(working_days_sum), SUM(fields_total), SUM(fields_prefilled), SUM(materials_total),
       SUM(materials_certificate), SUM(versions_counted), SUM(visits_sum), SUM(promised_limit_sum),
       SUM(statutory_limit_sum)
FROM parts
GROUP BY department_id, service_item_id
""",
    )
)

_DURATIONS = "".join(
    (
        "WITH",
        _CONCLUDED,
        """
INSERT INTO dashboard_dailyduration (day, department_id, service_item_id, working_days, cases)
SELECT %(day)s::date, department_id, service_item_id, working_days, COUNT(*)
FROM timed
GROUP BY department_id, service_item_id, working_days
""",
    )
)

# Fees: the order's item code names the service item, and so its department.
_PAYMENTS = """
WITH parts AS (
    SELECT i.department_id, i.id AS service_item_id, 1 AS paid_count, o.amount_fen AS paid_fen,
           0 AS refund_count, 0 AS refund_fen
    FROM payments_paymentorder o
    JOIN services_serviceitem i ON i.code = o.item_code
    WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s
    UNION ALL
    SELECT i.department_id, i.id, 0, 0, 1, r.amount_fen
    FROM payments_refund r
    JOIN payments_paymentorder o ON o.id = r.order_id
    JOIN services_serviceitem i ON i.code = o.item_code
    WHERE r.status = %(refunded)s AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
)
INSERT INTO dashboard_dailypayment (day, department_id, service_item_id, paid_count, paid_fen, refund_count, refund_fen)
SELECT %(day)s::date, department_id, service_item_id, SUM(paid_count), SUM(paid_fen), SUM(refund_count),
       SUM(refund_fen)
FROM parts
GROUP BY department_id, service_item_id
"""


# The advisory lock's first key: "dashboard summary" (any constant no other lock uses).
_LOCK_CLASS = 0x0DA5


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


def summary_supported() -> bool:
    """The aggregates are PostgreSQL SQL; the embedded SQLite demo (``make demo``) shows no figures."""
    return connection.vendor == "postgresql"


def summary_refresh_day(*, day: datetime.date) -> None:
    """Recompute one day's rows of the three tables, in one transaction (idempotent)."""
    if not summary_supported():
        logger.warning("dashboard summary not refreshed: it needs PostgreSQL, the database is %s", connection.vendor)
        return
    start, end = _day_bounds(day)
    params = {
        "day": day,
        "start": start,
        "end": end,
        "tz": settings.TIME_ZONE,
        "concluded": Status.CONCLUDED,
        "stopped": [Status.REFUSED, Status.WITHDRAWN],
        "certificate": MaterialSource.CERTIFICATE,
        "refunded": RefundStatus.SUCCEEDED,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # Two refreshes of the same day (beat's and a manual one) take turns instead of both inserting.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, day.toordinal()])
        for model in (DailySummary, DailyDuration, DailyPayment):
            model.objects.filter(day=day).delete()
        for statement in (_SUMMARY, _DURATIONS, _PAYMENTS):
            cursor.execute(statement, params)


def summary_refresh(*, first_day: datetime.date, last_day: datetime.date | None = None) -> int:
    """Recompute every day from ``first_day`` to ``last_day`` (today by default); the number of days."""
    last_day = last_day or timezone.localdate()
    if not summary_supported():
        summary_refresh_day(day=last_day)  # logs why nothing happens
        return 0
    day, count = first_day, 0
    while day <= last_day:
        summary_refresh_day(day=day)
        day += datetime.timedelta(days=1)
        count += 1
    return count


def summary_refresh_recent(*, days: int | None = None) -> int:
    """Beat's run: the last ``DASHBOARD_REFRESH_DAYS`` days, today included."""
    days = days or settings.DASHBOARD_REFRESH_DAYS
    return summary_refresh(first_day=timezone.localdate() - datetime.timedelta(days=days - 1))


def summary_rebuild() -> int:
    """Every day since the first submitted case (the demo, or after changing the calendar)."""
    first = Application.objects.filter(submitted_at__isnull=False).order_by("submitted_at").first()
    if first is None:
        return summary_refresh(first_day=timezone.localdate())
    return summary_refresh(first_day=timezone.localtime(first.submitted_at).date())
