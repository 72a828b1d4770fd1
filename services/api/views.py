"""Read-only catalogue API. Views stay thin: selectors do the reading."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

from services import selectors
from services.constants import Audience

from .serializers import DepartmentSerializer, ServiceItemDetailSerializer, ServiceItemSerializer, TopicSerializer
from .throttles import CatalogueThrottle


class ServiceItemCursorPagination(CursorPagination):
    """Stable cursors: by code, or by search score when searching."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("q", "").strip():
            return ("-search_score", "code")
        return ("code",)


class _CatalogueViewSet(viewsets.GenericViewSet):
    permission_classes = (AllowAny,)
    throttle_classes = (CatalogueThrottle,)


@extend_schema(tags=["catalogue"])
class ServiceItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _CatalogueViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z_.-]+"
    pagination_class = ServiceItemCursorPagination

    def get_serializer_class(self):
        return ServiceItemDetailSerializer if self.action == "retrieve" else ServiceItemSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.published_items()
        params = self.request.query_params
        audience = params.get("audience")
        items = selectors.service_item_list(
            audience=audience if audience in Audience.values else None,
            department=params.get("department") or None,
            topic=params.get("topic") or None,
            region=params.get("region") or None,
        )
        query = params.get("q", "").strip()
        if query:
            return selectors.service_item_search(query=query, items=items)
        return items.only(*selectors.SEARCH_RESULT_FIELDS)

    def get_object(self):
        item = selectors.service_item_guide(code=self.kwargs["code"])
        if item is None:
            raise Http404
        return item

    @extend_schema(
        summary="List published service items",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search: Chinese words, pinyin or initials."),
            OpenApiParameter("audience", OpenApiTypes.STR, enum=Audience.values),
            OpenApiParameter("department", OpenApiTypes.STR, description="Department code."),
            OpenApiParameter("topic", OpenApiTypes.STR, description="Topic code."),
            OpenApiParameter("region", OpenApiTypes.STR, description="Region code of the implementing department."),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="The full service guide of a published item")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


@extend_schema(tags=["catalogue"], summary="Departments")
class DepartmentViewSet(mixins.ListModelMixin, _CatalogueViewSet):
    serializer_class = DepartmentSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.department_list()


@extend_schema(tags=["catalogue"], summary="Topics (专栏)")
class TopicViewSet(mixins.ListModelMixin, _CatalogueViewSet):
    serializer_class = TopicSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.topic_list()
