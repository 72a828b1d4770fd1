"""``GET /api/v1/marketplace/agencies/`` and ``GET /api/v1/marketplace/postings/``: the public,
read-only marketplace (中介超市), paginated and filterable by service type, throttled like
the catalogue.

What is public: an approved agency's name, masked USCC, address, services with fee ranges,
currently valid qualifications and rating; a published posting, the SHA-256 of its draw
seed while quotes are open, the number of quotes only after the deadline, and the result
once published (the seed and the candidate quote ids, so anyone can re-run the draw,
``marketplace/draw.py``). Never a quote before the deadline, a contact person or phone, or
anything about who acts for an enterprise.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from common.money import yuan
from common.openapi import Problem, problem_responses
from common.pagination import StrictCursorPagination
from services.api.throttles import CatalogueThrottle

from .. import selectors
from ..constants import PUBLIC_POSTING_STATUSES, Grade, SelectionMethod
from ..models import ServiceType

INVALID = Problem(400, "invalid", "提交的数据有误，请检查后重试。")


# --- Documented shapes (drf-spectacular reads these; the views build plain dicts) ----------


class ServiceTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OfferedServiceSerializer(serializers.Serializer):
    service_type = ServiceTypeRefSerializer()
    fee_min_fen = serializers.IntegerField()
    fee_max_fen = serializers.IntegerField()
    fee_range = serializers.CharField(help_text="The fee range in yuan, e.g. 5000.00–20000.00.")


class QualificationSerializer(serializers.Serializer):
    type = ServiceTypeRefSerializer(help_text="The qualification type (code and name).")
    grade = serializers.ChoiceField(choices=Grade.choices)
    grade_label = serializers.CharField()
    number = serializers.CharField()
    valid_until = serializers.DateField()


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc_masked = serializers.CharField(help_text="The USCC, masked as everywhere in the portal.")
    region_code = serializers.CharField()
    address = serializers.CharField()
    description = serializers.CharField()
    services = OfferedServiceSerializer(many=True)
    qualifications = QualificationSerializer(many=True, help_text="Approved and valid today only.")
    rating_average = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()


class AgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(help_text="1 for the first result; higher after an upheld objection.")
    method = serializers.ChoiceField(choices=SelectionMethod.choices)
    agency = AgencyRefSerializer()
    amount_fen = serializers.IntegerField(allow_null=True)
    published_at = serializers.DateTimeField()
    candidates = serializers.ListField(child=serializers.IntegerField(), help_text="Eligible quote ids, ascending.")
    seed = serializers.CharField(help_text="The random draw's seed (empty for other methods).")
    seed_hash = serializers.CharField()
    winning_quote = serializers.IntegerField(allow_null=True)


class PostingSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    scope = serializers.CharField()
    buyer = serializers.CharField(help_text="The buyer enterprise's name.")
    service_type = ServiceTypeRefSerializer()
    service_item = serializers.CharField(allow_null=True, help_text="The approval's service item code, if linked.")
    budget_fen = serializers.IntegerField()
    quote_deadline = serializers.DateTimeField()
    selection_method = serializers.ChoiceField(choices=SelectionMethod.choices)
    required_qualification = ServiceTypeRefSerializer(allow_null=True)
    required_min_grade = serializers.ChoiceField(choices=Grade.choices)
    objection_period_days = serializers.IntegerField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    draw_seed_hash = serializers.CharField(help_text="SHA-256 of the draw seed, published when the posting opens.")
    quote_count = serializers.IntegerField(allow_null=True, help_text="Null until the quote deadline.")
    objection_deadline = serializers.DateTimeField(allow_null=True)
    result = ResultSerializer(allow_null=True)


# --- Rows -------------------------------------------------------------------------------------

_datetime = serializers.DateTimeField()


def _when(value):
    return _datetime.to_representation(value) if value is not None else None


def agency_row(agency) -> dict:
    return {
        "id": agency.pk,
        "name": agency.enterprise.name,
        "uscc_masked": agency.enterprise.uscc_masked,
        "region_code": agency.region_code,
        "address": agency.address,
        "description": agency.description,
        "services": [
            {
                "service_type": {"code": offered.service_type.code, "name": offered.service_type.name},
                "fee_min_fen": offered.fee_min_fen,
                "fee_max_fen": offered.fee_max_fen,
                "fee_range": f"{yuan(offered.fee_min_fen)}–{yuan(offered.fee_max_fen)}",
            }
            for offered in agency.services.all()
        ],
        "qualifications": [
            {
                "type": {"code": held.qualification_type.code, "name": held.qualification_type.name},
                "grade": held.grade,
                "grade_label": str(Grade(held.grade).label),
                "number": held.number,
                "valid_until": held.valid_until.isoformat(),
            }
            for held in agency.valid_qualifications
        ],
        "rating_average": round(agency.rating_average, 2) if agency.rating_average is not None else None,
        "rating_count": agency.rating_count,
    }


def posting_row(posting, *, now) -> dict:
    result = posting.result
    qualification = posting.required_qualification_type
    return {
        "reference": posting.reference,
        "title": posting.title,
        "scope": posting.scope,
        "buyer": posting.buyer_enterprise.name,
        "service_type": {"code": posting.service_type.code, "name": posting.service_type.name},
        "service_item": posting.service_item.code if posting.service_item_id else None,
        "budget_fen": posting.budget_fen,
        "quote_deadline": _when(posting.quote_deadline),
        "selection_method": posting.selection_method,
        "required_qualification": {"code": qualification.code, "name": qualification.name} if qualification else None,
        "required_min_grade": posting.required_min_grade,
        "objection_period_days": posting.objection_period_days,
        "status": posting.status,
        "published_at": _when(posting.published_at),
        "draw_seed_hash": posting.draw_seed_hash,
        # The number of quotes says something to bidders: only once quotes are frozen.
        "quote_count": posting.quote_total if posting.deadline_passed(now) else None,
        "objection_deadline": _when(posting.objection_deadline),
        "result": None
        if result is None
        else {
            "sequence": result.sequence,
            "method": result.method,
            "agency": {"id": result.agency_id, "name": result.agency.enterprise.name},
            "amount_fen": result.amount_fen,
            "published_at": _when(result.created_at),
            "candidates": result.candidates,
            "seed": result.seed,
            "seed_hash": result.seed_hash,
            "winning_quote": result.quote_id,
        },
    }


# --- Views ------------------------------------------------------------------------------------


class _Pagination(StrictCursorPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


class AgencyPagination(_Pagination):
    ordering = ("pk",)


class PostingPagination(_Pagination):
    ordering = ("-pk",)


def _service_type(request) -> ServiceType | None:
    code = request.query_params.get("service_type", "").strip()
    if not code:
        return None
    found = ServiceType.objects.filter(code=code, active=True).first()
    if found is None:
        raise ValidationError({"service_type": [_("未找到该服务类型。")]})
    return found


SERVICE_TYPE_PARAMETER = OpenApiParameter(
    "service_type", OpenApiTypes.STR, description="A service type code (e.g. eia): only that type."
)


class _PublicListView(generics.ListAPIView):
    permission_classes = (AllowAny,)
    throttle_classes = (CatalogueThrottle,)
    documented_scope_sets = (("catalogue:read",),)

    @classmethod
    def as_view(cls, *args, **kwargs):
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))


@extend_schema(
    tags=["marketplace"],
    summary="Approved intermediary agencies (中介机构), with services, valid qualifications and ratings",
    parameters=[SERVICE_TYPE_PARAMETER],
    responses={200: AgencySerializer(many=True), **problem_responses(INVALID)},
)
class AgencyListView(_PublicListView):
    pagination_class = AgencyPagination
    serializer_class = AgencySerializer

    def get_queryset(self):
        return selectors.agencies_public(service_type=_service_type(self.request))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([agency_row(agency) for agency in page])


@extend_schema(
    tags=["marketplace"],
    summary="Published project postings (项目公告) and their results",
    parameters=[
        SERVICE_TYPE_PARAMETER,
        OpenApiParameter("status", OpenApiTypes.STR, enum=list(PUBLIC_POSTING_STATUSES)),
    ],
    responses={200: PostingSerializer(many=True), **problem_responses(INVALID)},
)
class PostingListView(_PublicListView):
    pagination_class = PostingPagination
    serializer_class = PostingSerializer

    def get_queryset(self):
        status = self.request.query_params.get("status")
        if status is not None and status not in PUBLIC_POSTING_STATUSES:
            raise ValidationError(
                {"status": [_("状态应为 %(values)s 之一。") % {"values": ", ".join(PUBLIC_POSTING_STATUSES)}]}
            )
        return (
            selectors.postings_public(service_type=_service_type(self.request), status=status or None)
            .select_related("service_item")
            .annotate(quote_total=selectors.posting_quote_count())
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        now = timezone.now()
        return self.get_paginated_response([posting_row(posting, now=now) for posting in page])
