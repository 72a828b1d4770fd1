from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditExport(models.Model):
    """No table: it carries the permission to export audit records, and gives the export
    its entry in the admin (audit/admin.py)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("export_audit_records", _("可导出审计记录"))]
        verbose_name = _("审计记录导出")
        verbose_name_plural = _("审计记录导出")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
