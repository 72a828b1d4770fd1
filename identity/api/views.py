from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.api_permissions import RequiredScopes, TokenHasUser

from .serializers import MeOutputSerializer


class MeView(APIView):
    """The signed-in resident, as a partner sees them: its pairwise ``sub``, no full mobile, never an ID number."""

    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("profile",)

    @extend_schema(responses=MeOutputSerializer, summary="The signed-in user (scope: profile)")
    def get(self, request: Request, version=None) -> Response:
        application = getattr(request.auth, "application", None)
        return Response(MeOutputSerializer(request.user, context={"application": application}).data)
