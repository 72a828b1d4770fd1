"""The supervision dashboard in the admin (/admin/dashboard/dashboard/), for officials with
``dashboard.view_dashboard``: their departments' figures (superusers: all), filtered by
department, region and period, each chart with its table and a CSV export of that table."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Dashboard
from .selectors import PERIODS, TABLES, dashboard_read, dashboard_scope, dashboard_window
from .services import summary_supported


def _csv_cell(value) -> str:
    """Text a spreadsheet will not run as a formula; an empty cell for a figure with nothing to count."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def _filters(request) -> dict:
    try:
        department_id = int(request.GET.get("department", "")) or None
    except ValueError:
        department_id = None
    return {
        "department_id": department_id,
        "region_code": request.GET.get("region", "")[:12],
        "period": request.GET.get("period", "day"),
    }


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("", self.admin_site.admin_view(self.dashboard_view), name="dashboard_dashboard_changelist"),
            path(
                "export/<slug:table>.csv",
                self.admin_site.admin_view(self.export_view),
                name="dashboard_dashboard_export",
            ),
        ]

    def _read_scope(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = _filters(request)
        scope = dashboard_scope(
            user=request.user, department_id=filters["department_id"], region_code=filters["region_code"]
        )
        return scope, dashboard_window(period=filters["period"])

    def dashboard_view(self, request):
        scope, window = self._read_scope(request)
        dashboard = dashboard_read(scope=scope, window=window)
        query = request.GET.urlencode()
        context = {
            **self.admin_site.each_context(request),
            "title": _("运行监测看板"),
            "opts": self.opts,
            "scope": scope,
            "window": window,
            "periods": [(key, label) for key, (label, _count) in PERIODS.items()],
            "dashboard": dashboard,
            "summary_supported": summary_supported(),
            "charts": [
                {"table": table, "data_id": f"chart-data-{table.key}", "query": query} for table in dashboard.tables
            ],
        }
        return TemplateResponse(request, "admin/dashboard/dashboard.html", context)

    def export_view(self, request, table):
        if table not in TABLES:
            raise Http404
        scope, window = self._read_scope(request)
        result = TABLES[table](scope, window)
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"  # so spreadsheet programs read UTF-8
            yield writer.writerow([_csv_cell(header) for header in result.headers])
            for row in result.rows:
                yield writer.writerow([_csv_cell(value) for value in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="dashboard-{table}-{window.period}-{timezone.localdate():%Y%m%d}.csv"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
