import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


def csv_cell(value) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    """csv.writer's file: each row comes back as text, for the streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    """``rows`` (cells already passed through :func:`csv_cell`) streamed as a CSV download,
    with a BOM first so spreadsheet programs read the Chinese text as UTF-8; never cached."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
