"""Partner API: verify a certificate (token or PDF), publish the signing keys."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ApplicationError
from common.idempotency import IdempotentPostMixin
from common.openapi import Problem, problem_responses
from identity.api.authentication import BearerTokenAuthentication
from identity.api_permissions import RequiredScopes

from ..constants import UseKind
from ..documents import annotated_copy_data
from ..services import share_open
from ..services_verify import certificate_verify
from ..signing import published_keys


class VerifyInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="The token read from the certificate's QR code."
    )
    file = serializers.FileField(required=False, help_text="A certificate PDF (multipart upload).")
    purpose = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="e.g. 酒店入住")
    use = serializers.ChoiceField(
        choices=[UseKind.VERIFIED, UseKind.HOTEL_CHECK_IN], required=False, default=UseKind.VERIFIED
    )


class VerifyOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["valid", "expired", "revoked", "superseded", "tampered", "forged", "unknown_key", "unknown"]
    )
    message = serializers.CharField()
    certificate = serializers.DictField(required=False, help_text="Public fields only; absent unless ours.")


class CertificateVerifyView(IdempotentPostMixin, APIView):
    """Verify an e-certificate by the token in its QR code or by its PDF.

    Needs an OAuth2 token with ``certificates:verify``. The answer names the
    outcome; the holder sees the check in the certificate's use log.
    """

    authentication_classes = (BearerTokenAuthentication,)
    permission_classes = (RequiredScopes,)
    required_scopes_write = ("certificates:verify",)
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    @extend_schema(request=VerifyInput, responses={200: VerifyOutput}, tags=["Certificates"])
    def post(self, request, version=None):
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        if upload is not None and upload.size > settings.UPLOAD_MAX_BYTES:
            raise ApplicationError(_("文件过大。"), code="too_large", status=413)
        application = request.auth.application
        result = certificate_verify(
            token=data.validated_data.get("token", "").strip(),
            pdf=upload.read() if upload is not None else None,
            party=application.name or application.client_id,
            purpose=data.validated_data.get("purpose", ""),
            kind=data.validated_data["use"],
        )
        return Response(result.as_dict())


class SharedInput(serializers.Serializer):
    token = serializers.CharField(max_length=64, help_text="The consent code the holder gave the partner.")


class SharedCertificateView(IdempotentPostMixin, APIView):
    """A certificate the holder shared with this partner (授权用证): its annotated copy as data.

    Needs ``certificates:verify``; answers only the partner the holder chose, only within the
    consent window and never after the holder withdrew it (410). Each call is in the holder's log.
    """

    authentication_classes = (BearerTokenAuthentication,)
    permission_classes = (RequiredScopes,)
    required_scopes_write = ("certificates:verify",)

    @extend_schema(
        request=SharedInput,
        responses={
            200: dict,
            **problem_responses(
                Problem(404, "share_unknown", "授权链接无效。"),
                Problem(410, "share_closed", "持证人已撤回授权或授权已过期。"),
            ),
        },
        tags=["Certificates"],
    )
    def post(self, request, version=None):
        data = SharedInput(data=request.data)
        data.is_valid(raise_exception=True)
        share = share_open(token=data.validated_data["token"], client_id=request.auth.application.client_id)
        return Response(annotated_copy_data(share))


@extend_schema(responses={200: dict}, tags=["Certificates"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def certificates_jwks(request, version=None):
    """The public keys (JWKS) that sign certificate contents; every key ever used stays listed."""
    return Response(published_keys())
