"""Partner API: a resident's applications, for systems the resident signed in to
with OAuth2 (authorization code). Scope ``applications:read``."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination

from identity.api_permissions import RequiredScopes, TokenHasUser

from ..selectors import applications_for_resident
from .serializers import ApplicationDetailSerializer, ApplicationSerializer


class _ResidentApplications:
    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("applications:read",)

    def get_queryset(self):
        return applications_for_resident(user=self.request.user).exclude(status="draft")


class NewestFirst(CursorPagination):
    ordering = "-created_at"
    page_size = 20


@extend_schema(tags=["applications"])
class ApplicationList(_ResidentApplications, generics.ListAPIView):
    """The signed-in resident's applications, newest first."""

    serializer_class = ApplicationSerializer
    pagination_class = NewestFirst


@extend_schema(tags=["applications"])
class ApplicationDetail(_ResidentApplications, generics.RetrieveAPIView):
    """One application with its timeline and sub-cases. Someone else's case is 404."""

    serializer_class = ApplicationDetailSerializer

    def get_object(self):
        application = (
            self.get_queryset()
            .prefetch_related("transitions", "sub_cases__service_item", "sub_cases__department")
            .filter(case_number=self.kwargs["case_number"])
            .first()
        )
        if application is None:
            raise Http404
        return application
