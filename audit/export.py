"""Audit records as CSV rows, read in keyset pages so an export of millions streams in
constant memory (no server-side cursor, which a connection pooler may not keep)."""

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheet import csv_cell

from .registry import AuditSource

PAGE_SIZE = 2000


def audit_export_header() -> list[str]:
    return [
        _("记录类型"),
        _("记录编号"),
        _("时间"),
        _("操作"),
        _("对象编号"),
        _("操作人编号"),
        _("请求路径"),
        _("IP"),
        _("请求编号"),
        _("内容"),
    ]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_export_rows(*, source: AuditSource, date_from: date, date_to: date) -> Iterator[list[str]]:
    """The rows of ``source`` created from ``date_from`` to ``date_to`` (both included, local
    dates), oldest first, as CSV cells."""
    queryset = source.model._default_manager.filter(
        **{
            f"{source.created_at}__gte": _day_start(date_from),
            f"{source.created_at}__lt": _day_start(date_to + timedelta(days=1)),
        }
    ).order_by("pk")
    pk_name = source.model._meta.pk.attname
    last_pk = None
    while True:
        page = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
        rows = list(page.values()[:PAGE_SIZE])
        for row in rows:
            yield [csv_cell(value) for value in _cells(source, row, pk_name)]
        if len(rows) < PAGE_SIZE:
            return
        last_pk = rows[-1][pk_name]


def _cells(source: AuditSource, row: dict, pk_name: str) -> list:
    row = dict(row)
    record_id = row.pop(pk_name)
    created_at = timezone.localtime(row.pop(source.created_at)).isoformat()
    if source.is_history:
        context = row.pop("pgh_context", None) or {}
        row.pop("pgh_context_id", None)
        action = row.pop("pgh_label")
        subject = row.pop("pgh_obj_id")
        actor = context.get("user")
        path, ip, request_id = context.get("url"), context.get("ip"), context.get("request_id")
    else:
        action, subject = "", ""
        actor = row.pop(source.actor)
        ip = row.pop("client_ip")
        path = request_id = ""
    content = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return [source.label, record_id, created_at, action, subject, actor, path, ip, request_id, content]
