"""Reads behind the resident's pages (申请, 我的办件). Every read starts from
the signed-in user: a case, draft or file that is not theirs is simply not found."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from applications.bundles import application_requirements as bundle_requirements
from common.material_providers import HeldMaterial, holdings_for, material_providers
from common.prepared import Placeholders, PreparedQueries
from services.models import Bundle, Material, ServiceItem

from .constants import ALLOWED_TRANSITIONS, Status
from .models import Application, ResultDocument, SubmittedMaterial, SupplementRequest
from .selectors import resident_cases

# Who the case is waiting on, and what happens next, per status.
WAITING_ON_APPLICANT = "applicant"
WAITING_ON_OFFICIAL = "official"
WAITING_ON_NOBODY = ""

_NEXT_STEPS = {
    Status.DRAFT: (WAITING_ON_APPLICANT, _("等待您填写并提交申请")),
    Status.SUBMITTED: (WAITING_ON_OFFICIAL, _("等待工作人员受理")),
    Status.ACCEPTED: (WAITING_ON_OFFICIAL, _("已受理，等待工作人员审查")),
    Status.IN_REVIEW: (WAITING_ON_OFFICIAL, _("工作人员正在审查，请等待审批结果")),
    Status.SUPPLEMENT_REQUESTED: (WAITING_ON_APPLICANT, _("等待您补正材料（补正期间办理时限暂停计算）")),
    Status.RESUBMITTED: (WAITING_ON_OFFICIAL, _("等待工作人员审查您补正的材料")),
    Status.APPROVED: (WAITING_ON_OFFICIAL, _("已准予许可，等待工作人员办结")),
    Status.DENIED: (WAITING_ON_OFFICIAL, _("不予许可，等待工作人员办结")),
    Status.CONCLUDED: (WAITING_ON_NOBODY, _("已办结，无需再操作")),
    Status.REFUSED: (WAITING_ON_NOBODY, _("不予受理，办理结束")),
    Status.WITHDRAWN: (WAITING_ON_NOBODY, _("您已撤回申请，办理结束")),
}


@dataclass(frozen=True)
class NextStep:
    waiting_on: str
    text: str


def application_next_step(*, application: Application) -> NextStep:
    waiting_on, text = _NEXT_STEPS[Status(application.status)]
    return NextStep(waiting_on=waiting_on, text=str(text))


# What a row of 我的办件 shows, and the keys it needs: nothing else is read. The people's
# names are read apart, for the rows made on someone's behalf only (_attach_proxy_names).
_CASE_ROW_FIELDS = (
    "case_number",
    "status",
    "submitted_at",
    "promised_deadline",
    "deadline_provisional",
    "created_at",
    "applicant_id",
    "principal_user_id",
    "enterprise_id",
    "service_item_id",
    "bundle_id",
    "service_item__name",
    "service_item__name_en",
    "bundle__name",
    "bundle__name_en",
    "enterprise__name",
    "enterprise__legal_representative_id",
)
# Deep pages are refused as page 1 would be: residents have tens of cases, not millions.
MAX_CASE_PAGE = 1000


@dataclass(frozen=True)
class CasePage:
    """One page of 我的办件 and whether another follows: no ``COUNT(*)`` of every case."""

    object_list: list[Application]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_CASE_PAGE else 1


def _case_page_shape(placeholders: Placeholders, *, offset: int, limit: int) -> QuerySet[Application]:
    """The query of :func:`resident_case_page`, compiled once per page number and size
    (:mod:`common.prepared`): building and compiling it was 1.6-3 ms of every request, longer
    than PostgreSQL took to answer it (about 1 ms)."""
    user = placeholders.instance(get_user_model(), "user")
    return (
        Application.objects.filter(resident_cases(user=user))
        .select_related("service_item", "bundle", "enterprise")
        .only(*_CASE_ROW_FIELDS)
        .order_by("-created_at", "-pk")[offset : offset + limit]
    )


# A shape per page number and size (pages 1..MAX_CASE_PAGE); nearly every visit is to the first
# few, and a walk past 200 pages only starts the compiled shapes again.
_prepared_case_page = PreparedQueries(_case_page_shape, max_shapes=200, server_prepared=True)


def resident_case_page(*, user, page, per_page: int) -> CasePage:
    """A page of the resident's cases (:func:`selectors.resident_cases` says whose), newest first,
    in one query whatever their number (two when a row was made on someone's behalf): the row's
    columns only, the item, bundle and enterprise names joined, and one row more than the page
    to know whether a next page exists."""
    number = _page_number(page)
    rows = _prepared_case_page(offset=(number - 1) * per_page, limit=per_page + 1).run(user=user.pk)
    shown = rows[:per_page]
    _attach_proxy_names(shown, viewer=user)
    return CasePage(object_list=shown, number=number, has_next=len(rows) > per_page)


def _attach_proxy_names(rows: list[Application], *, viewer) -> None:
    """The applicant and the person applied for, with their names, on the rows made on someone's
    behalf (the only rows that show a name), in one query.

    Joining both users into the page's query made PostgreSQL plan five joins under the ``OR`` of
    :func:`resident_cases` on every request: 5.6 ms against 1.1 ms with three, for names almost
    every row (the resident's own applications) never shows."""
    User = get_user_model()
    on_behalf = [row for row in rows if row.acted_on_behalf]
    wanted = {row.applicant_id for row in on_behalf} | {row.principal_user_id for row in on_behalf}
    wanted.discard(None)
    if not wanted:
        return
    people = {viewer.pk: viewer} if viewer.pk in wanted else {}
    people.update(User.objects.only("real_name").in_bulk(wanted - people.keys()))
    for row in on_behalf:
        row.applicant = people[row.applicant_id]
        if row.principal_user_id is not None:
            row.principal_user = people[row.principal_user_id]


def application_may_withdraw(*, application: Application) -> bool:
    return (application.status, Status.WITHDRAWN) in ALLOWED_TRANSITIONS


def service_item_for_apply(*, code: str) -> ServiceItem | None:
    return (
        ServiceItem.objects.select_related("published_version", "department")
        .filter(code=code, published_version__isnull=False)
        .first()
    )


def bundle_for_apply(*, code: str) -> Bundle | None:
    return Bundle.objects.filter(code=code).first()


def drafts_for_resident(*, user, item: ServiceItem | None = None, bundle: Bundle | None = None) -> list[Application]:
    """The user's open drafts for a service item's published version, or for a bundle, newest first
    (with whom each is for)."""
    drafts = Application.objects.filter(applicant=user, status=Status.DRAFT, parent__isnull=True)
    if item is not None:
        drafts = drafts.filter(service_version_id=item.published_version_id)
    else:
        drafts = drafts.filter(bundle=bundle)
    return list(drafts.select_related("enterprise", "principal_user").order_by("-updated_at"))


def draft_for_resident(*, user, draft_id: int) -> Application | None:
    """The resident's own application by id, in any status (None if not theirs)."""
    return (
        Application.objects.select_related(
            "service_item", "service_version", "enterprise", "department", "principal_user"
        )
        .filter(pk=draft_id, applicant=user)
        .first()
    )


def application_principal(application: Application):
    """Whom the application is for, as material providers see it: the enterprise the applicant acts
    for, the person a proxy applies for, or the applicant."""
    if application.enterprise_id:
        return application.enterprise
    return application.principal_user if application.principal_user_id else application.applicant


@dataclass
class RequirementRow:
    """One required material of the version, with what the resident gave for it."""

    requirement: Material
    materials: list = field(default_factory=list)
    holdings: list[HeldMaterial] = field(default_factory=list)
    providers_available: bool = False
    error: str | None = None


def application_requirements(*, application: Application, user) -> list[RequirementRow]:
    """The version's materials in order, each with the uploads for it and, where the material names a
    ``certificate_type_code``, what the registered material providers say the applicant holds."""
    given: dict[int, list] = {}
    for material in application.materials.filter(supplement__isnull=True).order_by("created_at", "pk"):
        given.setdefault(material.requirement_id, []).append(material)
    rows = []
    for requirement in bundle_requirements(application):
        holdings = (
            holdings_for(user=user, principal=application_principal(application), type_code=type_code)
            if (type_code := requirement.certificate_type_code)
            else []
        )
        rows.append(
            RequirementRow(
                requirement=requirement,
                materials=given.get(requirement.pk, []),
                holdings=holdings,
                providers_available=len(material_providers) > 0,
            )
        )
    return rows


def open_supplement_request(*, application: Application) -> SupplementRequest | None:
    if application.status != Status.SUPPLEMENT_REQUESTED:
        return None
    return application.supplement_requests.filter(fulfilled_at__isnull=True).order_by("-created_at").first()


def application_materials(*, application: Application) -> QuerySet[SubmittedMaterial]:
    return application.materials.select_related("requirement", "supplement").order_by("created_at", "pk")


def application_results(*, application: Application) -> QuerySet[ResultDocument]:
    return application.results.order_by("created_at", "pk")
