"""Partner API: the partner's own webhook delivery log and replay (``webhooks:manage``).

Only a client-credentials token of one of the partner's own clients is
accepted; a partner sees only its own deliveries (another's is 404).
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ApplicationError
from common.idempotency import IdempotentPostMixin
from common.openapi import Problem, problem_responses
from identity.api.authentication import BearerTokenAuthentication
from identity.api_permissions import RequiredScopes

from ..models import DeliveryStatus, WebhookEventType
from .selectors import deliveries_for_partner, delivery_for_partner, partner_for_application
from .services import delivery_replay

NOT_A_PARTNER = Problem(403, "not_a_partner_client", "此接口需要合作方应用的客户端凭证令牌。")
NOT_FOUND = Problem(404, "not_found", "没有找到该投递记录。")
SUBSCRIPTION_INACTIVE = Problem(409, "subscription_inactive", "该订阅已停用，不能重新投递。")
SCOPES = ("webhooks:manage",)


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    response_excerpt = serializers.CharField(help_text="At most the first 200 characters of the response body.")


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    event_id = serializers.UUIDField()
    event_type = serializers.CharField(source="event.type")
    resource = serializers.SerializerMethodField()
    sequence = serializers.IntegerField(source="event.sequence")
    subscription = serializers.IntegerField(source="subscription_id")
    url = serializers.CharField(source="subscription.url")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    replay_of = serializers.UUIDField(source="replay_of_id", allow_null=True)

    def get_resource(self, delivery) -> dict:
        return {"type": delivery.event.resource_type, "id": delivery.event.resource_id}


class DeliveryDetailSerializer(DeliverySerializer):
    attempts_log = AttemptSerializer(many=True)


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


class _PartnerTokenMixin:
    authentication_classes = (BearerTokenAuthentication,)
    permission_classes = (RequiredScopes,)
    required_scopes_read = SCOPES

    def partner(self):
        token = self.request.auth
        partner = None
        if token is not None and getattr(token, "user_id", None) is None and token.application_id:
            partner = partner_for_application(application=token.application)
        if partner is None:
            raise ApplicationError(_(NOT_A_PARTNER.detail), code=NOT_A_PARTNER.code, status=403)
        return partner


@extend_schema(
    tags=["webhooks"],
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=[choice.value for choice in DeliveryStatus]),
        OpenApiParameter("event_type", OpenApiTypes.STR, enum=[choice.value for choice in WebhookEventType]),
    ],
    responses={200: DeliverySerializer(many=True), **problem_responses(NOT_A_PARTNER)},
)
class DeliveryList(_PartnerTokenMixin, generics.ListAPIView):
    """The partner's webhook deliveries, newest first; filter by ``status`` and ``event_type``."""

    serializer_class = DeliverySerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return deliveries_for_partner(
            partner=self.partner(),
            status=self.request.query_params.get("status") or None,
            event_type=self.request.query_params.get("event_type") or None,
        )


class DeliveryDetail(_PartnerTokenMixin, APIView):
    """One of the partner's deliveries with every attempt. Another partner's is 404."""

    @extend_schema(
        tags=["webhooks"], responses={200: DeliveryDetailSerializer, **problem_responses(NOT_A_PARTNER, NOT_FOUND)}
    )
    def get(self, request, delivery_id, version=None):
        delivery = delivery_for_partner(partner=self.partner(), delivery_id=delivery_id)
        if delivery is None:
            raise ApplicationError(_(NOT_FOUND.detail), code=NOT_FOUND.code, status=404)
        return Response(DeliveryDetailSerializer(delivery).data)


class DeliveryReplay(IdempotentPostMixin, _PartnerTokenMixin, APIView):
    """Deliver the same event again, as a new delivery (same event id and sequence)."""

    required_scopes_write = SCOPES

    @extend_schema(
        tags=["webhooks"],
        request=None,
        responses={
            202: DeliverySerializer,
            **problem_responses(NOT_A_PARTNER, NOT_FOUND, SUBSCRIPTION_INACTIVE),
        },
    )
    def post(self, request, delivery_id, version=None):
        replay = delivery_replay(delivery_id=delivery_id, partner=self.partner())
        return Response(DeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)
