"""Partner API for the e-ID credential: verify a presented token, publish keys."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import IdempotentPostMixin

from .api.authentication import BearerTokenAuthentication
from .api_permissions import RequiredScopes
from .services.eid import eid_token_verify, published_keys, released_fields


class EidVerifyInput(serializers.Serializer):
    token = serializers.CharField(max_length=2000, help_text="The string read from the resident's QR code.")
    purpose = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="e.g. 酒店入住")


class EidVerifyOutput(serializers.Serializer):
    name = serializers.CharField(required=False)
    id_number_masked = serializers.CharField(required=False)
    assurance_level = serializers.IntegerField(required=False, help_text="With the scope eid:verify:detail.")
    verified_at = serializers.DateTimeField(required=False, help_text="With the scope eid:verify:detail.")
    verification_id = serializers.IntegerField()


class EidVerifyView(IdempotentPostMixin, APIView):
    """Verify a resident's e-ID QR token (60 seconds, single use) and receive the released fields.

    Only partner systems with an OAuth2 token carrying ``eid:verify`` may call
    it; a resident's browser session may not.
    """

    authentication_classes = (BearerTokenAuthentication,)
    permission_classes = (RequiredScopes,)
    required_scopes_write = ("eid:verify",)
    # With eid:verify:detail the answer adds the assurance level and the verification time.
    documented_scope_sets = (("eid:verify", "eid:verify:detail"),)

    @extend_schema(request=EidVerifyInput, responses={200: EidVerifyOutput}, tags=["e-ID"])
    def post(self, request, version=None):
        data = EidVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        # BearerTokenAuthentication and RequiredScopes guarantee a partner's access token here.
        token = request.auth
        result = eid_token_verify(
            compact=data.validated_data["token"],
            partner=token.application.name or "partner",
            partner_client_id=token.application.client_id,
            purpose=data.validated_data.get("purpose", ""),
            fields=released_fields(scopes=token.scope.split()),
            application=token.application,
        )
        return Response({**result.fields, "verification_id": result.verification.pk})


@extend_schema(responses={200: dict}, tags=["e-ID"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def eid_jwks(request, version=None):
    """The public keys (JWKS) that sign e-ID tokens, including recently retired ones."""
    return Response(published_keys())
