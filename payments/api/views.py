"""Partner API: a resident's payment orders (``payments:read``) and starting a payment
(``payments:write``), with ``Idempotency-Key``."""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ApplicationError
from common.idempotency import IdempotentPostMixin
from common.openapi import Problem, problem_responses
from identity.api_permissions import RequiredScopes, TokenHasUser
from identity.security import client_ip

from ..base import GatewayError
from ..constants import PAYABLE_STATUSES
from ..registry import gateways
from ..selectors import order_for_user, orders_for_user
from ..services import order_start_payment

logger = logging.getLogger(__name__)


class OrderSerializer(serializers.Serializer):
    out_trade_no = serializers.CharField()
    subject = serializers.CharField()
    amount_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    status = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    receipt_number = serializers.SerializerMethodField()

    def get_receipt_number(self, order) -> str | None:
        receipt = getattr(order, "receipt", None)  # a missing one-to-one raises AttributeError
        return receipt.number if receipt else None


class PaymentCreateInput(serializers.Serializer):
    order = serializers.CharField(max_length=32)
    gateway = serializers.CharField(max_length=50, default="alipay")
    return_url = serializers.URLField(required=False, default="")


INVALID = Problem(400, "invalid", "请求内容有误（errors 列出各字段的问题）。")
KEY_MISSING = Problem(400, "idempotency_key_missing", "请提供 Idempotency-Key 请求头（不超过128个字符）。")
KEY_REUSED = Problem(422, "idempotency_key_reused", "该 Idempotency-Key 已用于另一请求内容。")
IN_FLIGHT = Problem(409, "request_in_flight", "使用该 Idempotency-Key 的请求仍在处理中。")
ORDER_NOT_FOUND = Problem(404, "not_found", "未找到。")
UNKNOWN_GATEWAY = Problem(422, "unknown_gateway", "不支持该支付渠道。")
NOT_PAYABLE = Problem(409, "not_payable", "订单当前状态不能支付。")
ORDER_EXPIRED = Problem(409, "order_expired", "订单已过期，请重新办理。")
GATEWAY_UNAVAILABLE = Problem(502, "gateway_unavailable", "支付渠道暂时无法连接，请稍后重试或换一种支付方式。")


@extend_schema(tags=["payments"])
class OrderList(generics.ListAPIView):
    """The signed-in resident's payment orders, newest first."""

    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("payments:read",)
    serializer_class = OrderSerializer

    def get_queryset(self):
        return orders_for_user(user=self.request.user)


@extend_schema(tags=["payments"])
class PaymentCreate(IdempotentPostMixin, APIView):
    """Start paying an order. Send an ``Idempotency-Key``: a retry with the same key and body gets the
    same answer; another body with that key is 422; a retry while the first is running is 409."""

    idempotency_key_required = True

    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("payments:read",)
    required_scopes_write = ("payments:write",)

    @extend_schema(
        request=PaymentCreateInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 128},
                OpenApiParameter.HEADER,
                required=True,
                description="Up to 128 characters; a retry with the same key and body gets the same answer.",
            )
        ],
        responses={
            201: OrderSerializer,
            **problem_responses(
                INVALID,
                KEY_MISSING,
                KEY_REUSED,
                IN_FLIGHT,
                ORDER_NOT_FOUND,
                UNKNOWN_GATEWAY,
                NOT_PAYABLE,
                ORDER_EXPIRED,
                GATEWAY_UNAVAILABLE,
            ),
        },
    )
    def post(self, request, version=None):
        data = PaymentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self._start(request, data.validated_data), status=201)

    def _start(self, request, values) -> dict:
        order = order_for_user(user=request.user, out_trade_no=values["order"])
        if order is None:
            raise Http404
        gateway = gateways.get(values["gateway"])
        if gateway is None:
            raise ApplicationError(_("不支持该支付渠道。"), code="unknown_gateway", status=422)
        order = order_start_payment(order_id=order.pk, user=request.user, gateway=values["gateway"])
        if order.status not in PAYABLE_STATUSES:
            raise ApplicationError(_("订单已过期，请重新办理。"), code="order_expired", status=409)
        try:
            start = gateway.start_payment(
                order=order,
                return_url=values["return_url"] or request.build_absolute_uri(f"/my/orders/{order.out_trade_no}/"),
                notify_url=request.build_absolute_uri(f"/payments/notify/{values['gateway']}/"),
                client_ip=client_ip(request) or "",
            )
        except GatewayError as exc:
            logger.warning("payment start %s via %s failed: %s", order.out_trade_no, values["gateway"], exc)
            raise ApplicationError(
                _("支付渠道暂时无法连接，请稍后重试或换一种支付方式。"), code="gateway_unavailable", status=502
            ) from None
        body = {**OrderSerializer(order).data, "pay_url": start.redirect_url}
        if start.form is not None:
            body["pay_form"] = start.form  # POST these fields to pay_url (UnionPay's front transaction)
        return body
