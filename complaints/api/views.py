"""``GET /api/v1/evaluations/summary/``: the public evaluation figures, a page of departments
each with its service items. Public like the catalogue and throttled the same way."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from common.openapi import Problem, problem_responses
from common.pagination import StrictCursorPagination
from services.api.throttles import CatalogueThrottle

from .. import selectors

INVALID_CURSOR = Problem(400, "invalid", "提交的数据有误，请检查后重试。")


class FiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    ratings = serializers.IntegerField(help_text="Ratings counted (those excluded by an upheld appeal are not).")
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text="Per cent of ratings 非常满意, 满意 or 基本满意; null without ratings."
    )
    followups = serializers.IntegerField(help_text="Follow-ups of bad ratings (upheld appeals left out).")
    rectified = serializers.IntegerField(help_text="Follow-ups closed after rectification.")
    rectification_rate = serializers.FloatField(allow_null=True, help_text="Per cent; null without follow-ups.")


class DepartmentSummarySerializer(FiguresSerializer):
    items = FiguresSerializer(many=True, help_text="The department's service items with figures.")


def _row(row: dict) -> dict:
    figures = selectors.figures_of(row)
    return {
        "code": row["code"],
        "name": row["name"],
        "ratings": figures.ratings,
        "satisfaction_rate": figures.satisfaction_rate,
        "followups": figures.followups,
        "rectified": figures.rectified,
        "rectification_rate": figures.rectification_rate,
    }


class SummaryPagination(StrictCursorPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = ("code",)


@extend_schema(
    tags=["evaluations"],
    summary="Public evaluation figures (好差评) per department and service item",
    responses={200: DepartmentSummarySerializer(many=True), **problem_responses(INVALID_CURSOR)},
)
class EvaluationSummaryView(generics.ListAPIView):
    permission_classes = (AllowAny,)
    throttle_classes = (CatalogueThrottle,)
    documented_scope_sets = (("catalogue:read",),)
    pagination_class = SummaryPagination
    serializer_class = DepartmentSummarySerializer

    @classmethod
    def as_view(cls, *args, **kwargs):
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))

    def get_queryset(self):
        return selectors.department_figures()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        items: dict[int, list[dict]] = {}
        for item in selectors.item_figures(department_ids=[row["id"] for row in page]):
            items.setdefault(item["department_id"], []).append(_row(item))
        return self.get_paginated_response([{**_row(row), "items": items.get(row["id"], [])} for row in page])
