"""Partner API: a resident's applications, for systems the resident signed in to
with OAuth2 (authorization code). Scope ``applications:read``."""

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ApplicationError
from common.idempotency import IdempotentPostMixin
from common.openapi import Problem, problem_responses
from common.pagination import StrictCursorPagination
from common.parsers import LimitedJSONParser
from common.problems import PROBLEM_CONTENT_TYPE, problem_body
from identity.api_permissions import RequiredScopes, TokenHasUser

from .. import services
from ..constants import Status
from ..models import Application
from ..principals import principal_from_references
from ..selectors import applications_for_resident
from ..services_resident import application_open_for_resident
from .serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    DraftCreateInput,
    DraftSerializer,
    DraftUpdateInput,
    MaterialInput,
)


class _ResidentApplications:
    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("applications:read",)

    def get_queryset(self):
        # The token's user's cases, including those a family proxy made for them.
        return applications_for_resident(user=self.request.user).exclude(status="draft")


# What ApplicationDetailSerializer reads of a case's timeline and sub-cases, a query each.
DETAIL_RELATIONS = (
    "transitions",
    "sub_cases__service_item",
    "sub_cases__bundle",
    "sub_cases__department",
    "sub_cases__applicant",
    "sub_cases__enterprise",
)


class NewestFirst(StrictCursorPagination):
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

    def retrieve(self, request, *args, **kwargs):
        # The same access check as the case page: someone else's case number is recorded as an
        # AccessAttempt. The 404 is returned, not raised, so ATOMIC_REQUESTS keeps that record.
        case_number = self.kwargs["case_number"]
        if application_open_for_resident(user=request.user, case_number=case_number) is None:
            return _not_found()
        application = self.get_queryset().prefetch_related(*DETAIL_RELATIONS).filter(case_number=case_number).first()
        if application is None:
            return _not_found()
        return Response(self.get_serializer(application).data)


def _not_found() -> Response:
    return Response(
        problem_body(status=404, code=NotFound.default_code, detail=NotFound.default_detail),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# --- Writes: the same service functions as the web pages ------------------------------


class _DraftBase(IdempotentPostMixin, APIView):
    permission_classes = (TokenHasUser, RequiredScopes)
    required_scopes_read = ("applications:read",)
    required_scopes_write = ("applications:write",)

    def get_draft(self, pk: int) -> Application:
        # By primary key alone, the owner and the status checked here. With the status in the
        # WHERE clause PostgreSQL read the (status, updated_at) index instead of the key when its
        # statistics counted few drafts, and filtered every draft for this one (5,700 rows, 3-6
        # ms at a million cases; the key reads one row).
        application = Application.objects.filter(pk=pk).first()
        owned_draft = (self.request.user.pk, Status.DRAFT)
        if application is None or (application.applicant_id, application.status) != owned_draft:
            raise Http404
        return application


@extend_schema(tags=["applications"])
class DraftCreate(_DraftBase):
    """Start (or continue) a draft for a service item or a bundle, prefilled; optionally save answers.

    Whom it is for goes through the same check as the pages: ``enterprise`` (USCC) for an
    enterprise service, ``principal`` (ID number) for a family proxy, neither for oneself.
    Refusals are problem+json: 403 ``not_mandated``, 403 ``enterprise_unverified``,
    400 ``enterprise_required`` when an enterprise service names no enterprise, 400
    ``principal_not_allowed`` for an enterprise on a personal service or both principals at once."""

    # The answers (``data``) are an object: JSON only, as the schema says.
    parser_classes = (LimitedJSONParser,)

    @extend_schema(
        request=DraftCreateInput,
        responses={
            201: DraftSerializer,
            **problem_responses(
                Problem(400, "invalid", "提交的数据有误，请检查后重试。"),
                Problem(400, "enterprise_required", "该事项由企业申请，请选择您代表的企业。"),
                Problem(400, "principal_not_allowed", "请只选择一个办理对象。"),
                Problem(403, "insufficient_scope", "访问令牌缺少所需的权限范围：applications:write"),
                Problem(403, "not_mandated", "您没有代为办理该事项的授权，或授权已过期、已撤销。"),
                Problem(403, "assurance_too_low", "办理该事项需要先完成实名认证。"),
                Problem(404, "item_unavailable", "该事项暂不可在线办理。"),
                Problem(404, "bundle_unavailable", "该一件事暂不可在线办理。"),
                Problem(
                    403,
                    "enterprise_unverified",
                    "该企业尚未通过登记核验，暂不能为其办理业务。请法定代表人在“我的企业”中完成核验。",
                ),
            ),
        },
    )
    def post(self, request, version=None):
        data = DraftCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enterprise, principal_user = principal_from_references(
            uscc=values.get("enterprise", ""), id_number=values.get("principal", "")
        )
        if values.get("service_code"):
            draft = services.application_start(
                applicant=request.user,
                item_code=values["service_code"],
                enterprise=enterprise,
                principal_user=principal_user,
            )
        else:
            draft = services.application_start_bundle(
                applicant=request.user,
                bundle_code=values["bundle_code"],
                enterprise=enterprise,
                principal_user=principal_user,
            )
        if values.get("data"):
            draft = services.application_save_draft(
                application=draft, data={**draft.form_data, **values["data"]}, actor=request.user
            )
        return Response(DraftSerializer(draft).data, status=201)


@extend_schema(tags=["applications"])
class DraftDetail(_DraftBase):
    """Read or update a draft's answers (locked prefilled fields keep their values)."""

    parser_classes = (LimitedJSONParser,)

    @extend_schema(responses={200: DraftSerializer})
    def get(self, request, pk: int, version=None):
        return Response(DraftSerializer(self.get_draft(pk)).data)

    @extend_schema(request=DraftUpdateInput, responses={200: DraftSerializer})
    def patch(self, request, pk: int, version=None):
        draft = self.get_draft(pk)
        data = DraftUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        draft = services.application_save_draft(
            application=draft, data={**draft.form_data, **data.validated_data["data"]}, actor=request.user
        )
        return Response(DraftSerializer(draft).data)


@extend_schema(tags=["applications"])
class DraftMaterial(_DraftBase):
    """Upload a material (PDF, PNG or JPEG; checked by content) for a required material."""

    parser_classes = (MultiPartParser,)

    @extend_schema(request={"multipart/form-data": MaterialInput}, responses={201: DraftSerializer})
    def post(self, request, pk: int, version=None):
        draft = self.get_draft(pk)
        data = MaterialInput(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = next(
            (r for r in services.application_requirements(draft) if r.pk == data.validated_data["requirement"]), None
        )
        if requirement is None:
            raise ApplicationError(_("该材料不属于本申请。"), code="unknown_requirement")
        services.material_add_upload(
            application=draft, requirement=requirement, uploaded=data.validated_data["file"], actor=request.user
        )
        return Response(DraftSerializer(draft).data, status=201)


@extend_schema(tags=["applications"])
class DraftSubmit(_DraftBase):
    """Submit a draft: the case number and deadlines are assigned; errors come back as problem+json."""

    @extend_schema(
        request=None,
        responses={
            200: ApplicationDetailSerializer,
            **problem_responses(Problem(409, "already_submitted", "申请已提交，请勿重复提交。")),
        },
    )
    def post(self, request, pk: int, version=None):
        # Lock the draft for the request's transaction: of parallel submits one
        # proceeds, the others find it already submitted and get 409.
        with transaction.atomic():
            draft = Application.objects.select_for_update(of=("self",)).filter(pk=pk, applicant=request.user).first()
            if draft is None:
                raise Http404
            if draft.status != Status.DRAFT:
                raise ApplicationError(_("申请已提交，请勿重复提交。"), code="already_submitted", status=409)
            application = services.application_submit(application=draft, actor=request.user)
        # The submitted case already carries its item, department and people: only the timeline
        # and the sub-cases (a bundle's fan-out) are read, not the case again.
        prefetch_related_objects([application], *DETAIL_RELATIONS)
        return Response(ApplicationDetailSerializer(application).data)
