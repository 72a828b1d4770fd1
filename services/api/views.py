"""Read-only catalogue API. Views stay thin: selectors do the reading.

The catalogue is public, so answers are cached per catalogue generation
(services.cache): a service's full guide under its code, a list page (not a
search) under its absolute URL. Rows are built by the plain functions in
``representations.py``, not by DRF serializers. The views read only, so they run
outside ATOMIC_REQUESTS' transaction: a cached answer opens no transaction at all.
"""

import hashlib

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from common.pagination import StrictCursorPagination
from services import selectors
from services.cache import catalogue_entry, catalogue_entry_key
from services.constants import Audience

from .representations import service_item_detail, service_item_row
from .serializers import DepartmentSerializer, ServiceItemDetailSerializer, ServiceItemSerializer, TopicSerializer
from .throttles import CatalogueThrottle


class ServiceItemCursorPagination(StrictCursorPagination):
    """Stable cursors: by code, or by search score when searching."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("q", "").strip():
            return ("-search_score", "code")
        return ("code",)


# A guide changes only when published (which bumps the generation); a list page is
# keyed by whatever URL a client sends, so it lives briefly.
DETAIL_TIMEOUT = 3600
LIST_TIMEOUT = 300


class _CatalogueViewSet(viewsets.GenericViewSet):
    permission_classes = (AllowAny,)
    throttle_classes = (CatalogueThrottle,)
    # Public; a token with catalogue:read gets the higher rate (identity/api/schema.py documents it).
    documented_scope_sets = (("catalogue:read",),)

    @classmethod
    def as_view(cls, *args, **kwargs):
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))


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
        if audience is not None and audience not in Audience.values:
            raise ValidationError(
                {"audience": [_("受理对象应为 %(values)s 之一。") % {"values": ", ".join(Audience.values)}]}
            )
        items = selectors.service_item_list(
            audience=audience,
            department=params.get("department") or None,
            topic=params.get("topic") or None,
            region=params.get("region") or None,
        )
        query = params.get("q", "").strip()
        if query:
            # The cursor of a search orders by its score, so the rows carry it.
            return selectors.service_item_search(query=query, items=items).values(
                *selectors.SEARCH_RESULT_FIELDS, "search_score"
            )
        return items.values(*selectors.SEARCH_RESULT_FIELDS)

    def _list_page(self, request) -> dict:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([service_item_row(row) for row in page]).data

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
        if request.query_params.get("q", "").strip():
            # Searches are keyed by whatever people type: services.search answers them afresh.
            return Response(self._list_page(request))
        # The absolute URL: the page's next/previous links carry the host.
        url_digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
        key = catalogue_entry_key("api", "services", url_digest)
        return Response(catalogue_entry(key, lambda: self._list_page(request), timeout=LIST_TIMEOUT))

    @extend_schema(summary="The full service guide of a published item")
    def retrieve(self, request, *args, **kwargs):
        key = catalogue_entry_key("api", "service", kwargs["code"])
        return Response(catalogue_entry(key, lambda: service_item_detail(self.get_object()), timeout=DETAIL_TIMEOUT))


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
