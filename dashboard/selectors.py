"""Reads for the supervision dashboard: who sees which departments, and its tables.

Every table is read from the summary tables (:mod:`dashboard.models`) or the small
catalogue, with one aggregate query each, so a page costs the same number of queries
on ten cases as on millions. Satisfaction and rectification come from
:func:`complaints.selectors.department_figures` (one query).

Each table is a :class:`Table`: a caption, column headings and rows of plain values,
which the page shows (chart and table fallback) and the CSV export writes.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.selectors import official_department_ids
from common.i18n import is_english
from common.money import yuan
from complaints.selectors import FIGURES, Figures, department_figures, figures_of
from services.constants import OnlineDepth
from services.models import Department, ServiceItem

from .models import DailyDuration, DailyPayment, DailySummary

# How far back each granularity looks: 30 days, 12 weeks, 12 months.
PERIODS = {
    "day": (gettext_lazy("按日（近30天）"), 30),
    "week": (gettext_lazy("按周（近12周）"), 12),
    "month": (gettext_lazy("按月（近12个月）"), 12),
}


def _first_of_month(day: datetime.date, months_back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    period: str
    first_day: datetime.date
    last_day: datetime.date
    starts: tuple[datetime.date, ...]  # the first day of each period, oldest first

    def period_end(self, start: datetime.date) -> datetime.date:
        """The last day of the period starting ``start`` (today for the current one)."""
        index = self.starts.index(start)
        following = self.starts[index + 1] if index + 1 < len(self.starts) else self.last_day + datetime.timedelta(1)
        return following - datetime.timedelta(days=1)

    def label(self, start: datetime.date) -> str:
        if self.period == "month":
            return f"{start:%Y-%m}"
        if self.period == "week":
            return _("%(date)s起") % {"date": f"{start:%m-%d}"}
        return f"{start:%m-%d}"


def dashboard_window(*, period: str, today: datetime.date | None = None) -> Window:
    today = today or timezone.localdate()
    period = period if period in PERIODS else "day"
    count = PERIODS[period][1]
    if period == "day":
        starts = [today - datetime.timedelta(days=n) for n in range(count - 1, -1, -1)]
    elif period == "week":
        monday = today - datetime.timedelta(days=today.weekday())
        starts = [monday - datetime.timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    else:
        starts = [_first_of_month(today, n) for n in range(count - 1, -1, -1)]
    return Window(period=period, first_day=starts[0], last_day=today, starts=tuple(starts))


@dataclass(frozen=True)
class Scope:
    """The departments a user may see (``options``) and those the filters chose (``department_ids``)."""

    options: list[Department]
    regions: list[tuple[str, str]]  # (code, name)
    department_ids: list[int]
    department_id: int | None
    region_code: str


def dashboard_scope(*, user, department_id: int | None = None, region_code: str = "") -> Scope:
    """An official sees their departments; superusers see all. Filters narrow, never widen (one or two queries)."""
    departments = Department.objects.order_by("order", "code")
    if not user.is_superuser:
        departments = departments.filter(pk__in=official_department_ids(user=user))
    options = list(departments.only("pk", "code", "name", "name_en", "region", "region_code"))
    regions = sorted({(department.region_code, department.region) for department in options})
    # A region none of the user's departments is in is ignored (the form shows "all regions").
    region_code = region_code if region_code in {code for code, _name in regions} else ""
    chosen = [
        department.pk
        for department in options
        if (not region_code or department.region_code == region_code)
        and (department_id is None or department.pk == department_id)
    ]
    return Scope(
        options=options,
        regions=regions,
        department_ids=chosen,
        department_id=department_id,
        region_code=region_code,
    )


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: dict = field(default_factory=dict)


def percent(part: int, whole: int) -> float | None:
    """Per cent with one decimal; None when there is nothing to count."""
    return round(100 * part / whole, 1) if whole else None


def average(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def percentile(histogram: dict[int, int], fraction: float = 0.9) -> int | None:
    """Nearest rank: the smallest value with at least ``fraction`` of the counts at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    needed, running = fraction * total, 0
    for value in sorted(histogram):
        running += histogram[value]
        if running >= needed:
            return value
    return max(histogram)


def _name(row: dict, prefix: str) -> str:
    english = row.get(f"{prefix}name_en") if is_english() else ""
    return english or row.get(f"{prefix}name") or "—"


def _summary(scope: Scope, window: Window):
    return DailySummary.objects.filter(
        department_id__in=scope.department_ids, day__gte=window.first_day, day__lte=window.last_day
    )


def _by_period(queryset, window: Window):
    if window.period == "day":
        return queryset.values(start=F("day"))
    trunc = TruncWeek if window.period == "week" else TruncMonth
    return queryset.annotate(start=trunc("day")).values("start")


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def table_volume(scope: Scope, window: Window) -> Table:
    """Received, concluded (per period) and in progress (at each period's end)."""
    flows = {
        _as_date(row["start"]): row
        for row in _by_period(_summary(scope, window), window)
        .annotate(received=Sum("received"), concluded=Sum("concluded"))
        .order_by()
    }
    ends = {window.period_end(start): start for start in window.starts}
    open_at = dict(
        _summary(scope, window)
        .filter(day__in=list(ends))
        .values("day")
        .annotate(n=Sum("in_progress"))
        .values_list("day", "n")
        .order_by()
    )
    table = Table("volume", _("办件量"), [_("时段"), _("收件"), _("办结"), _("期末在办")])
    for start in window.starts:
        row = flows.get(start, {})
        table.rows.append(
            [
                window.label(start),
                row.get("received") or 0,
                row.get("concluded") or 0,
                open_at.get(window.period_end(start)) or 0,
            ]
        )
    labels = [row[0] for row in table.rows]
    table.chart = {
        "type": "line",
        "labels": labels,
        "series": [
            {"name": header, "data": [row[i + 1] for row in table.rows]} for i, header in enumerate(table.headers[1:])
        ],
    }
    return table


_DEPARTMENT_SUMS = {
    "received": Sum("received"),
    "concluded": Sum("concluded"),
    "promised_counted": Sum("promised_counted"),
    "on_time_promised": Sum("on_time_promised"),
    "statutory_counted": Sum("statutory_counted"),
    "on_time_statutory": Sum("on_time_statutory"),
    "working_days_sum": Sum("working_days_sum"),
    "fields_total": Sum("fields_total"),
    "fields_prefilled": Sum("fields_prefilled"),
    "materials_total": Sum("materials_total"),
    "materials_certificate": Sum("materials_certificate"),
    "versions_counted": Sum("versions_counted"),
    "visits_sum": Sum("visits_sum"),
    "promised_limit_sum": Sum("promised_limit_sum"),
    "statutory_limit_sum": Sum("statutory_limit_sum"),
}


def department_sums(scope: Scope, window: Window) -> list[dict]:
    """The window's sums per department, with the department's names (one query)."""
    return list(
        _summary(scope, window)
        .values("department_id", "department__name", "department__name_en", "department__code")
        .annotate(**_DEPARTMENT_SUMS)
        .order_by("department__order", "department__code")
    )


def totals_of(rows: list[dict]) -> dict:
    return {key: sum(row[key] or 0 for row in rows) for key in _DEPARTMENT_SUMS}


def table_on_time(rows: list[dict]) -> Table:
    table = Table(
        "on_time",
        _("按时办结率"),
        [_("部门"), _("办结件数"), _("承诺时限内办结率（%）"), _("法定时限内办结率（%）"), _("平均用时（工作日）")],
    )
    for row in [*rows, {**totals_of(rows), "department__name": _("合计")}]:
        table.rows.append(
            [
                _name(row, "department__"),
                row["concluded"] or 0,
                percent(row["on_time_promised"] or 0, row["promised_counted"] or 0),
                percent(row["on_time_statutory"] or 0, row["statutory_counted"] or 0),
                average(row["working_days_sum"] or 0, row["concluded"] or 0),
            ]
        )
    departments = table.rows[:-1]
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in departments],
        "series": [
            {"name": table.headers[2], "data": [row[2] for row in departments]},
            {"name": table.headers[3], "data": [row[3] for row in departments]},
        ],
        "max": 100,
    }
    return table


def table_simplify(rows: list[dict]) -> Table:
    """三少一快: fewer fields to fill, fewer materials, fewer visits, shorter time limits."""
    table = Table(
        "simplify",
        _("三少一快"),
        [
            _("部门"),
            _("收件"),
            _("表单预填比例（%）"),
            _("电子证照替代材料比例（%）"),
            _("平均跑动次数"),
            _("平均承诺时限（工作日）"),
            _("平均法定时限（工作日）"),
            _("承诺时限压缩（%）"),
        ],
    )
    for row in [*rows, {**totals_of(rows), "department__name": _("合计")}]:
        promised, statutory = row["promised_limit_sum"] or 0, row["statutory_limit_sum"] or 0
        table.rows.append(
            [
                _name(row, "department__"),
                row["received"] or 0,
                percent(row["fields_prefilled"] or 0, row["fields_total"] or 0),
                percent(row["materials_certificate"] or 0, row["materials_total"] or 0),
                average(row["visits_sum"] or 0, row["versions_counted"] or 0),
                average(promised, row["versions_counted"] or 0),
                average(statutory, row["versions_counted"] or 0),
                percent(statutory - promised, statutory),
            ]
        )
    departments = table.rows[:-1]
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in departments],
        "series": [
            {"name": table.headers[2], "data": [row[2] for row in departments]},
            {"name": table.headers[3], "data": [row[3] for row in departments]},
            {"name": table.headers[7], "data": [row[7] for row in departments]},
        ],
        "max": 100,
    }
    return table


def table_duration(scope: Scope, window: Window) -> Table:
    """Average and 90th-percentile working days to conclude, by service (two queries)."""
    items = list(
        _summary(scope, window)
        .values("service_item_id", "service_item__name", "service_item__name_en", "service_item__code")
        .annotate(concluded=Sum("concluded"), working_days_sum=Sum("working_days_sum"))
        .filter(concluded__gt=0)
        .order_by("service_item__code")
    )
    histograms: dict[int | None, dict[int, int]] = {}
    for item_id, days, cases in (
        DailyDuration.objects.filter(
            department_id__in=scope.department_ids, day__gte=window.first_day, day__lte=window.last_day
        )
        .values("service_item_id", "working_days")
        .annotate(n=Sum("cases"))
        .values_list("service_item_id", "working_days", "n")
        .order_by()
    ):
        histograms.setdefault(item_id, {})[days] = cases
    table = Table(
        "duration",
        _("办结用时（按事项）"),
        [_("事项"), _("办结件数"), _("平均用时（工作日）"), _("90%办结用时（工作日）")],
    )
    rows = [
        [
            _name(item, "service_item__"),
            item["concluded"],
            average(item["working_days_sum"] or 0, item["concluded"]),
            percentile(histograms.get(item["service_item_id"], {})),
        ]
        for item in items
    ]
    table.rows = sorted(rows, key=lambda row: (-(row[3] or 0), -row[1]))
    shown = table.rows[:15]
    table.chart = {
        "type": "hbar",
        "labels": [row[0] for row in shown],
        "series": [
            {"name": table.headers[2], "data": [row[2] for row in shown]},
            {"name": table.headers[3], "data": [row[3] for row in shown]},
        ],
    }
    return table


def table_online(scope: Scope) -> Table:
    """Services fully online (全程网办) as a share of the published catalogue, by department (one query)."""
    rows = list(
        ServiceItem.objects.filter(department_id__in=scope.department_ids, published_version__isnull=False)
        .values("department_id", "department__name", "department__name_en")
        .annotate(
            total=Count("pk"),
            online=Count("pk", filter=Q(published_version__online_depth=OnlineDepth.FULLY_ONLINE)),
            zero_visits=Count("pk", filter=Q(published_version__on_site_visits=0)),
        )
        .order_by("department__order", "department__code")
    )
    table = Table(
        "online",
        _("全程网办事项占比"),
        [_("部门"), _("已发布事项"), _("全程网办事项"), _("全程网办占比（%）"), _("零跑动事项")],
    )
    total = {"total": sum(r["total"] for r in rows), "online": sum(r["online"] for r in rows)}
    total["zero_visits"] = sum(r["zero_visits"] for r in rows)
    for row in [*rows, {**total, "department__name": _("合计")}]:
        table.rows.append(
            [
                _name(row, "department__"),
                row["total"],
                row["online"],
                percent(row["online"], row["total"]),
                row["zero_visits"],
            ]
        )
    departments = table.rows[:-1]
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in departments],
        "series": [{"name": table.headers[3], "data": [row[3] for row in departments]}],
        "max": 100,
    }
    return table


def table_payments(scope: Scope, window: Window) -> Table:
    """Fees collected and refunded per period, in yuan (one query)."""
    queryset = DailyPayment.objects.filter(
        department_id__in=scope.department_ids, day__gte=window.first_day, day__lte=window.last_day
    )
    sums = {
        _as_date(row["start"]): row
        for row in _by_period(queryset, window)
        .annotate(
            paid_count=Sum("paid_count"),
            paid_fen=Sum("paid_fen"),
            refund_count=Sum("refund_count"),
            refund_fen=Sum("refund_fen"),
        )
        .order_by()
    }
    table = Table(
        "payments",
        _("收费与退款"),
        [_("时段"), _("收款笔数"), _("收款金额（元）"), _("退款笔数"), _("退款金额（元）")],
    )
    for start in window.starts:
        row = sums.get(start, {})
        table.rows.append(
            [
                window.label(start),
                row.get("paid_count") or 0,
                yuan(row.get("paid_fen") or 0),
                row.get("refund_count") or 0,
                yuan(row.get("refund_fen") or 0),
            ]
        )
    table.chart = {
        "type": "column",
        "labels": [row[0] for row in table.rows],
        "series": [
            {"name": table.headers[2], "data": [float(row[2]) for row in table.rows]},
            {"name": table.headers[4], "data": [float(row[4]) for row in table.rows]},
        ],
    }
    return table


def table_satisfaction(scope: Scope) -> Table:
    """好差评 by department, from complaints' figures (one query, all time)."""
    table = Table(
        "satisfaction",
        _("好差评满意率与整改率"),
        [_("部门"), _("评价数"), _("满意率（%）"), _("差评回访整改数"), _("整改率（%）")],
    )
    each = [(_name(row, ""), figures_of(row)) for row in department_figures().filter(id__in=scope.department_ids)]
    total = Figures(*(sum(getattr(figures, name) for _label, figures in each) for name in FIGURES))
    for name, figures in [*each, (_("合计"), total)]:
        table.rows.append(
            [name, figures.ratings, figures.satisfaction_rate, figures.followups, figures.rectification_rate]
        )
    departments = table.rows[:-1]
    table.chart = {
        "type": "bar",
        "labels": [row[0] for row in departments],
        "series": [
            {"name": table.headers[2], "data": [row[2] for row in departments]},
            {"name": table.headers[4], "data": [row[4] for row in departments]},
        ],
        "max": 100,
    }
    return table


# Each table by key, for the CSV export (the page builds them all).
TABLES: dict[str, Callable[[Scope, Window], Table]] = {
    "volume": table_volume,
    "on_time": lambda scope, window: table_on_time(department_sums(scope, window)),
    "duration": table_duration,
    "simplify": lambda scope, window: table_simplify(department_sums(scope, window)),
    "online": lambda scope, window: table_online(scope),
    "payments": table_payments,
    "satisfaction": lambda scope, window: table_satisfaction(scope),
}


@dataclass
class Dashboard:
    tables: list[Table]
    headline: list[tuple[str, str]]


def _shown(value, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def dashboard_read(*, scope: Scope, window: Window) -> Dashboard:
    """Every table of the page and the headline figures (a constant number of queries)."""
    volume = table_volume(scope, window)
    rows = department_sums(scope, window)
    on_time, simplify = table_on_time(rows), table_simplify(rows)
    duration = table_duration(scope, window)
    online = table_online(scope)
    payments = table_payments(scope, window)
    satisfaction = table_satisfaction(scope)
    totals = totals_of(rows)
    headline = [
        (_("收件"), str(totals["received"])),
        (_("办结"), str(totals["concluded"])),
        (_("当前在办"), str(volume.rows[-1][3] if volume.rows else 0)),
        (_("承诺时限内办结率"), _shown(on_time.rows[-1][2], "%")),
        (_("法定时限内办结率"), _shown(on_time.rows[-1][3], "%")),
        (_("平均办结用时"), _shown(on_time.rows[-1][4], _("个工作日"))),
        (_("全程网办占比"), _shown(online.rows[-1][3], "%")),
        (_("表单预填比例"), _shown(simplify.rows[-1][2], "%")),
        (_("电子证照替代材料比例"), _shown(simplify.rows[-1][3], "%")),
        (_("平均跑动次数"), _shown(simplify.rows[-1][4])),
        (_("满意率"), _shown(satisfaction.rows[-1][2], "%")),
    ]
    return Dashboard(tables=[volume, on_time, duration, simplify, online, payments, satisfaction], headline=headline)
