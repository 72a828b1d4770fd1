import csv

import structlog
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from .export import audit_export_header, audit_export_rows
from .forms import AuditExportForm
from .models import AuditExport
from .services import audit_export_record

logger = structlog.get_logger(__name__)

EXPORT_PERMISSION = "audit.export_audit_records"


class _Echo:
    """csv.writer's file: each row comes back as text, for the streaming response."""

    def write(self, value: str) -> str:
        return value


@admin.register(AuditExport)
class AuditExportAdmin(admin.ModelAdmin):
    """The export of audit records: a form (record type, date range) that answers with a
    streamed CSV file. Only for officials holding ``audit.export_audit_records``."""

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        # The export page only: there are no records to add, change, delete or show one by one.
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = AuditExportForm(request.GET or None)
        if form.is_bound and form.is_valid():
            return self._export(request, **form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导出审计记录"),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/export.html", context)

    def _export(self, request, *, source, date_from, date_to, reason):
        audit_export_record(official=request.user, source=source, date_from=date_from, date_to=date_to, reason=reason)
        logger.info(
            "audit_export",
            user_id=request.user.pk,
            source=source.label,
            date_from=date_from.isoformat(),
            date_to=date_to.isoformat(),
        )
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"  # so spreadsheet programs read UTF-8
            yield writer.writerow(audit_export_header())
            for row in audit_export_rows(source=source, date_from=date_from, date_to=date_to):
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        filename = f"audit-{source.label.lower()}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
