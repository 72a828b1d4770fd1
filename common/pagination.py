"""Cursor pagination that refuses what it cannot use, as the OpenAPI schema says.

DRF's ``CursorPagination`` silently serves the default page for ``page_size=abc`` or ``page_size=0``
and answers an undecodable cursor with 404, which no list operation declares. Here both are
400 ``invalid`` problems naming the parameter, and the schema states the page size's range.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class StrictCursorPagination(CursorPagination):
    """``CursorPagination`` with a validated ``page_size`` (1 … ``max_page_size``) and cursor."""

    def get_page_size(self, request):
        if not self.page_size_query_param or self.page_size_query_param not in request.query_params:
            return self.page_size
        raw = request.query_params[self.page_size_query_param]
        maximum = self.max_page_size or self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise ValidationError(
                {self.page_size_query_param: [_("每页数量应为 1 到 %(maximum)d 之间的整数。") % {"maximum": maximum}]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("分页游标无效。")]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # A well-formed cursor whose position is not a value of the ordering field.
            raise ValidationError({self.cursor_query_param: [_("分页游标无效。")]}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size or self.page_size})
        return parameters
