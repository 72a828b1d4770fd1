"""The dashboard's figures equal counts made independently, in Python, from the cases,
ratings and payments themselves; the refresh is idempotent; an official sees only their
departments."""

import datetime

import pytest
from django.utils import timezone

from applications.calendar import working_days_between
from applications.constants import FINAL_STATUSES, MaterialSource, Status
from applications.models import Application, SubmittedMaterial
from applications.tests.factories import application_in, official, published_item
from complaints.constants import SATISFIED_LEVELS
from complaints.models import Evaluation
from complaints.tests.factories import rated_case
from dashboard.models import DailyDuration, DailyPayment, DailySummary
from dashboard.selectors import dashboard_read, dashboard_scope, dashboard_window, percent, percentile
from dashboard.services import summary_rebuild, summary_refresh
from identity.tests.factories import UserFactory
from payments.constants import OrderStatus, RefundStatus
from payments.models import PaymentOrder, Refund

pytestmark = pytest.mark.django_db


def _local(moment) -> datetime.date:
    return timezone.localtime(moment).date()


def _shift(case: Application, *, submitted_days_ago: int, promised_offset: int, statutory_offset: int = 30):
    """Move a concluded case's submission back and its deadlines relative to its conclusion day."""
    now = timezone.now()
    concluded_on = _local(case.concluded_at)
    Application.objects.filter(pk=case.pk).update(
        submitted_at=now - datetime.timedelta(days=submitted_days_ago),
        promised_deadline=concluded_on + datetime.timedelta(days=promised_offset),
        statutory_deadline=concluded_on + datetime.timedelta(days=statutory_offset),
    )


@pytest.fixture
def superuser():
    return UserFactory(official=True, is_superuser=True)


@pytest.fixture
def items():
    return {
        "ga": published_item(code="GA-DASH", name="食品经营许可", department_code="ga", promised=5, statutory=20),
        "rsj": published_item(code="RSJ-DASH", name="失业登记", department_code="rsj", promised=10, statutory=15),
    }


def _table(dashboard, key):
    return next(table for table in dashboard.tables if table.key == key)


def _read(user, **filters):
    period = filters.pop("period", "day")
    return dashboard_read(scope=dashboard_scope(user=user, **filters), window=dashboard_window(period=period))


def test_on_time_rates_and_working_days_equal_independent_counts(items, superuser):
    cases = [application_in(Status.CONCLUDED, item=items["ga"]) for _ in range(5)]
    cases += [application_in(Status.CONCLUDED, item=items["rsj"]) for _ in range(2)]
    # Late against the promise for some, late against the law for one, on time for the rest.
    for case, (days_ago, promised, statutory) in zip(
        cases, [(12, -3, 10), (9, 0, 5), (20, -1, -1), (2, 4, 20), (5, 2, 8), (15, -6, 2), (1, 1, 1)], strict=True
    ):
        _shift(case, submitted_days_ago=days_ago, promised_offset=promised, statutory_offset=statutory)
    summary_rebuild()

    concluded = list(Application.objects.filter(status=Status.CONCLUDED, department__isnull=False))
    on_promise = sum(_local(case.concluded_at) <= case.promised_deadline for case in concluded)
    on_law = sum(_local(case.concluded_at) <= case.statutory_deadline for case in concluded)
    dashboard = _read(superuser)
    total = _table(dashboard, "on_time").rows[-1]
    assert total[1] == len(concluded) == 7
    assert total[2] == percent(on_promise, len(concluded)) == percent(4, 7)
    assert total[3] == percent(on_law, len(concluded)) == percent(6, 7)

    # Working days to conclude, per service: the calendar's count, less the paused days.
    by_item = {}
    for case in concluded:
        days = working_days_between(_local(case.submitted_at), _local(case.concluded_at)) - case.paused_working_days
        by_item.setdefault(case.service_item.name, []).append(max(days, 0))
    duration = {row[0]: row for row in _table(dashboard, "duration").rows}
    for name, days in by_item.items():
        assert duration[name][1] == len(days)
        assert duration[name][2] == round(sum(days) / len(days), 1)
        ranked = sorted(days)
        assert duration[name][3] == ranked[-(-9 * len(ranked) // 10) - 1]  # nearest rank, 90 %
    assert total[4] == round(sum(sum(days) for days in by_item.values()) / len(concluded), 1)


def test_received_concluded_and_in_progress_per_day_equal_independent_counts(items, superuser):
    open_cases = [application_in(status, item=items["ga"]) for status in (Status.SUBMITTED, Status.IN_REVIEW)]
    for status in (Status.CONCLUDED, Status.REFUSED):
        application_in(status, item=items["ga"])
    Application.objects.filter(pk=open_cases[0].pk).update(submitted_at=timezone.now() - datetime.timedelta(days=3))
    summary_rebuild()

    today = timezone.localdate()
    cases = list(Application.objects.filter(department__isnull=False, submitted_at__isnull=False))
    volume = {row[0]: row for row in _table(_read(superuser), "volume").rows}
    for days_ago in range(5):
        day = today - datetime.timedelta(days=days_ago)
        received = sum(_local(case.submitted_at) == day for case in cases)
        concluded = sum(case.concluded_at is not None and _local(case.concluded_at) == day for case in cases)
        still_open = sum(
            _local(case.submitted_at) <= day and (case.status not in FINAL_STATUSES or day < today) for case in cases
        )
        assert volume[f"{day:%m-%d}"][1:] == [received, concluded, still_open], day
    assert volume[f"{today:%m-%d}"][1:] == [3, 1, 2]


def test_prefill_and_certificate_shares_equal_independent_counts(items, superuser):
    cases = [application_in(Status.SUBMITTED, item=items["ga"]) for _ in range(3)]
    # One case answered without any prefill, one with a material from the wallet.
    Application.objects.filter(pk=cases[0].pk).update(field_sources={})
    SubmittedMaterial.objects.create(
        application=cases[1],
        source=MaterialSource.CERTIFICATE,
        certificate_reference="CERT-1",
        uploaded_by=cases[1].applicant,
    )
    summary_rebuild()

    fields = prefilled = 0
    for case in Application.objects.filter(pk__in=[case.pk for case in cases]):
        fields += len(case.form_data)
        prefilled += len(set(case.field_sources) & set(case.form_data))
    materials = SubmittedMaterial.objects.filter(application__in=cases)
    assert prefilled > 0
    simplify = _table(_read(superuser), "simplify").rows[-1]
    assert simplify[1] == 3
    assert simplify[2] == percent(prefilled, fields)
    assert simplify[3] == percent(materials.filter(source=MaterialSource.CERTIFICATE).count(), materials.count())
    assert simplify[4] == 0  # the test item is fully online: no visits
    assert (simplify[5], simplify[6], simplify[7]) == (5, 20, 75)


def test_satisfaction_equals_independent_counts(items, superuser):
    for level in (1, 2, 5, 3, 4):
        rated_case(level=level, item=items["ga"])
    rated_case(level=1, item=items["rsj"])
    summary_rebuild()

    rows = {row[0]: row for row in _table(_read(superuser), "satisfaction").rows}
    for department in ("ga", "rsj"):
        ratings = Evaluation.objects.filter(excluded=False, application__service_item__department__code=department)
        name = items[department].department.name
        assert rows[name][1] == ratings.count()
        assert rows[name][2] == percent(ratings.filter(level__in=SATISFIED_LEVELS).count(), ratings.count())
    assert rows["合计"][1] == 6
    assert rows["合计"][2] == percent(4, 6)


def test_payments_collected_and_refunded_equal_independent_sums(items, superuser):
    payer = UserFactory()
    now = timezone.now()
    orders = [
        PaymentOrder.objects.create(
            out_trade_no=f"T{n}",
            user=payer,
            item_code=items["ga"].code,
            subject="测试",
            amount_fen=amount,
            status=OrderStatus.PAID,
            paid_at=now - datetime.timedelta(days=n),
            expires_at=now,
        )
        for n, amount in enumerate((1500, 2000, 12345))
    ]
    Refund.objects.create(
        order=orders[0], refund_no="R1", amount_fen=500, status=RefundStatus.SUCCEEDED, reason="多收", completed_at=now
    )
    Refund.objects.create(order=orders[1], refund_no="R2", amount_fen=700, status=RefundStatus.REQUESTED, reason="x")
    summary_rebuild()
    summary_refresh(first_day=timezone.localdate() - datetime.timedelta(days=3))

    rows = _table(_read(superuser, period="month"), "payments").rows
    assert sum(row[1] for row in rows) == 3
    assert sum(float(row[2]) for row in rows) == pytest.approx(158.45)
    assert (sum(row[3] for row in rows), sum(float(row[4]) for row in rows)) == (1, 5.0)


def test_refresh_twice_leaves_the_same_rows(items):
    for status in (Status.CONCLUDED, Status.CONCLUDED, Status.IN_REVIEW, Status.REFUSED):
        application_in(status, item=items["ga"])
    application_in(Status.SUBMITTED, item=items["rsj"])

    def rows():
        return {
            model.__name__: sorted(
                tuple(row.values())
                for row in model.objects.values(*[field.attname for field in model._meta.concrete_fields][1:])
            )
            for model in (DailySummary, DailyDuration, DailyPayment)
        }

    summary_rebuild()
    first = rows()
    assert first["DailySummary"]
    summary_rebuild()
    summary_refresh(first_day=timezone.localdate())
    assert rows() == first


def test_an_official_sees_only_their_departments(items):
    for department in ("ga", "rsj"):
        for status in (Status.CONCLUDED, Status.SUBMITTED):
            application_in(status, item=items[department])
        rated_case(level=1, item=items[department])
    summary_rebuild()
    officer = official(department="ga")

    scope = dashboard_scope(user=officer)
    assert [department.code for department in scope.options] == ["ga"]
    dashboard = _read(officer)
    other = items["rsj"].department.name
    for table in dashboard.tables:
        assert other not in [row[0] for row in table.rows], table.key
        assert items["rsj"].name not in [row[0] for row in table.rows], table.key
    assert _table(dashboard, "on_time").rows[-1][1] == 2  # ga's two concluded cases: the rated one too
    assert _table(dashboard, "volume").rows[-1][1] == 3
    # Asking for another department's figures narrows to nothing, never widens.
    assert dashboard_scope(user=officer, department_id=items["rsj"].department_id).department_ids == []
    assert _table(_read(officer, department_id=items["rsj"].department_id), "volume").rows[-1][1] == 0


def test_region_filter_keeps_that_regions_departments(items, superuser):
    items["rsj"].department.__class__.objects.filter(pk=items["rsj"].department_id).update(region_code="440300")
    application_in(Status.SUBMITTED, item=items["ga"])
    application_in(Status.SUBMITTED, item=items["rsj"])
    summary_rebuild()
    assert _table(_read(superuser), "volume").rows[-1][1] == 2
    assert _table(_read(superuser, region_code="440300"), "volume").rows[-1][1] == 1


def test_percentile_is_the_nearest_rank():
    assert percentile({}) is None
    assert percentile({3: 1}) == 3
    assert percentile({1: 9, 10: 1}) == 1
    assert percentile({1: 8, 10: 2}) == 10


def test_beat_recomputes_the_recent_days_only(items, settings):
    from dashboard.tasks import refresh_summary

    assert settings.CELERY_BEAT_SCHEDULE["dashboard-refresh-summary"]["task"] == "dashboard.refresh_summary"
    case = application_in(Status.SUBMITTED, item=items["ga"])
    Application.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=10))
    settings.DASHBOARD_REFRESH_DAYS = 3
    assert refresh_summary() == 3
    today = timezone.localdate()
    assert set(DailySummary.objects.values_list("day", flat=True)) == {
        today - datetime.timedelta(days=n) for n in range(3)
    }
    # The ten-day-old case is still in progress on each of those days, received on none of them.
    assert sorted(DailySummary.objects.values_list("received", "in_progress")) == [(0, 1)] * 3


def test_a_region_outside_the_officials_departments_is_ignored(items):
    application_in(Status.SUBMITTED, item=items["ga"])
    summary_rebuild()
    officer = official(department="ga")
    scope = dashboard_scope(user=officer, region_code="110000")
    assert (scope.region_code, scope.department_ids) == ("", [items["ga"].department_id])
    assert scope.regions == [("440100", "广州市")]
