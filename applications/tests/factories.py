"""The applications test factories: published service items and bundles,
residents, officials of a department, and cases in every state.

People come from ``identity.tests.factories.UserFactory`` (one way to make a
user); files from ``common.testing.files`` (one PDF helper). Every case is made
the way a resident's and an official's would be, THROUGH THE SERVICES: start,
save the draft, upload a PDF, submit, then the officials' and the applicant's
moves (``application_transition``, ``application_decide``,
``supplement_resubmit``), so each state has its recorded transitions.

    application_in(Status.APPROVED)                     # a case an official approved
    application_in(Status.SUPPLEMENT_REQUESTED, applicant=someone, item=item)
    submitted_bundle()                                  # a 一件事 fanned out into sub-cases
"""

import itertools

from django.contrib.auth.models import Permission

from applications import services as application_services
from applications.constants import Status
from applications.demo import ENTERPRISE_FORM, RESIDENT_FORM
from applications.models import Application, DepartmentOfficial
from applications.services_decisions import application_decide
from applications.services_resident import supplement_resubmit
from common.testing.files import pdf_bytes, pdf_upload, private_media_root
from identity.constants import AssuranceLevel
from identity.tests.factories import PASSWORD, UserFactory
from services.constants import Audience, ItemType, MaterialForm, OnlineDepth, ResultType
from services.models import Bundle, BundleItem, Department, Material, ProcessStep, ServiceItem, ServiceItemVersion
from services.services import service_item_version_publish

__all__ = [
    "OFFICIAL_PERMISSIONS",
    "PASSWORD",
    "STATES",
    "UserFactory",
    "application_in",
    "department",
    "official",
    "official_for",
    "pdf_bytes",
    "pdf_upload",
    "private_media_root",
    "published_bundle",
    "published_item",
    "resident",
    "submitted_application",
    "submitted_bundle",
]

OFFICIAL_PERMISSIONS = ("process_application", "view_application", "change_application", "view_prefillreport")
_sequence = itertools.count(1)


# --- The catalogue -------------------------------------------------------------------


def department(*, code: str = "ga", name: str | None = None) -> Department:
    found, _created = Department.objects.get_or_create(
        code=code,
        defaults={"name": name or f"测试部门-{code}", "region": "广州市", "region_code": "440100"},
    )
    return found


def published_item(
    *,
    code: str | None = None,
    name: str = "测试许可事项",
    department_code: str = "ga",
    audience: str = Audience.RESIDENT,
    materials: int = 1,
    form_schema: dict | None = None,
    statutory: int = 20,
    promised: int = 5,
    promised_days: int | None = None,
    certificate_type_code: str = "",
    minimum_assurance_level: int = AssuranceLevel.L2,
) -> ServiceItem:
    """A service item with one published version: a form, ``materials`` mandatory
    materials (the first is 身份证明, which ``certificate_type_code`` may let a
    certificate meet) and one process step. ``promised_days`` is ``promised``'s old name."""
    item = ServiceItem.objects.create(
        code=code or f"TEST-{next(_sequence):03d}",
        name=name,
        item_type=ItemType.ADMINISTRATIVE_LICENCE,
        audience=audience,
        department=department(code=department_code),
    )
    if form_schema is None:
        form_schema = ENTERPRISE_FORM if audience == Audience.ENTERPRISE else RESIDENT_FORM
    version = ServiceItemVersion.objects.create(
        item=item,
        version=1,
        legal_basis="《中华人民共和国行政许可法》",
        conditions="符合条件的申请人",
        statutory_limit_days=statutory,
        promised_limit_days=promised if promised_days is None else promised_days,
        on_site_visits=0,
        online_depth=OnlineDepth.FULLY_ONLINE,
        result_type=ResultType.CERTIFICATE,
        result_name="测试许可证",
        contact_phone="020-12345",
        complaint_phone="12345",
        form_schema=form_schema,
        minimum_assurance_level=minimum_assurance_level,
    )
    for number in range(materials):
        Material.objects.create(
            version=version,
            name="身份证明" if number == 0 else f"材料{number + 1}",
            form=MaterialForm.ELECTRONIC,
            mandatory=True,
            order=number,
            certificate_type_code=certificate_type_code if number == 0 else "",
        )
    ProcessStep.objects.create(version=version, name="受理")
    service_item_version_publish(version=version)
    item.refresh_from_db()
    return item


def published_bundle(*, code: str | None = None, department_codes=("ga", "rsj")) -> Bundle:
    """A bundle (一件事) of one published item per department in ``department_codes``."""
    code = code or f"test-bundle-{next(_sequence)}"
    bundle = Bundle.objects.create(code=code, name=f"测试一件事{code}", audience=Audience.RESIDENT)
    for order, department_code in enumerate(department_codes):
        item = published_item(code=f"{code}-{department_code}".upper(), department_code=department_code)
        BundleItem.objects.create(bundle=bundle, item=item, order=order)
    return bundle


# --- People --------------------------------------------------------------------------


def resident(*, verified: bool = True, **fields):
    """A resident; real-name verified (a fresh name and ID number) unless ``verified=False``."""
    return UserFactory(verified=verified, **fields)


def official(*, department: Department | str, username: str | None = None, permissions=OFFICIAL_PERMISSIONS):
    """A staff user working ``department``'s queue (a Department or its code), with the permissions officials get."""
    if isinstance(department, str):
        department = Department.objects.get(code=department)
    user = UserFactory(official=True, **({"username": username} if username else {}))
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="applications", codename__in=permissions)
    )
    DepartmentOfficial.objects.create(user=user, department=department)
    return user


def official_for(department: Department | str, **kwargs):
    """``official(department=...)``, positionally."""
    return official(department=department, **kwargs)


# --- Cases ---------------------------------------------------------------------------


def _default_data(applicant, schema: dict) -> dict:
    values = {
        "applicant_name": applicant.real_name or "李四",
        "id_number": applicant.id_number_masked or "440106********1235",
        "mobile": applicant.mobile or "13900000000",
        "address": "广州市天河区体育西路1号",
        "enterprise_name": "测试企业有限公司",
        "contact_name": applicant.real_name or "李四",
        "business_address": "广州市天河区体育西路2号",
    }
    properties = schema.get("properties", {})
    answers = {name: sample_answer(spec) for name, spec in properties.items()}
    answers.update({name: value for name, value in values.items() if name in properties})
    return answers


def sample_answer(spec: dict):
    """A value the field accepts: its first choice, a date, a number at its minimum, a phone number or text."""
    if spec.get("enum"):
        return spec["enum"][0]
    if spec.get("type") in ("integer", "number"):
        return max(spec.get("minimum", 1), 1)
    if spec.get("type") == "boolean":
        return True
    if spec.get("format") == "date":
        return "2026-01-05"
    if spec.get("pattern") == "^1[3-9][0-9]{9}$":
        return "13900000000"
    return "测试填写"[: spec.get("maxLength", 200)]


def form_answers(schema: dict, applicant) -> dict:
    """A complete, valid answer to ``schema`` for ``applicant`` (what the factories fill in)."""
    return _default_data(applicant, schema)


def draft_application(
    *, applicant, item: ServiceItem, data: dict | None = None, enterprise=None, principal_user=None
) -> Application:
    """A draft ready to submit, through the services: started, filled in, every mandatory material uploaded.
    ``enterprise`` or ``principal_user`` (a family proxy's principal) say whom it is for."""
    application = application_services.application_start(
        applicant=applicant, item_code=item.code, enterprise=enterprise, principal_user=principal_user
    )
    return _fill_and_upload(application, applicant=applicant, data=data)


def _fill_and_upload(application: Application, *, applicant, data: dict | None) -> Application:
    schema = application_services.application_schema(application)
    draft = {**_default_data(applicant, schema), **application.form_data, **(data or {})}
    application = application_services.application_save_draft(application=application, data=draft, actor=applicant)
    for requirement in application_services.application_requirements(application):
        if requirement.mandatory:
            application_services.material_add_upload(
                application=application,
                requirement=requirement,
                uploaded=pdf_upload(f"{requirement.name}.pdf"),
                actor=applicant,
            )
    return application


def submitted_application(
    *, applicant, item: ServiceItem, data: dict | None = None, enterprise=None, principal_user=None
) -> Application:
    """A case submitted by ``applicant`` through the real services: start, draft, uploads, submit."""
    application = draft_application(
        applicant=applicant, item=item, data=data, enterprise=enterprise, principal_user=principal_user
    )
    return application_services.application_submit(application=application, actor=applicant)


def submitted_bundle(*, applicant=None, bundle: Bundle | None = None, data: dict | None = None) -> Application:
    """A bundle's parent case submitted through the services, fanned out into one sub-case per item."""
    applicant = applicant or resident()
    bundle = bundle or published_bundle()
    parent = application_services.application_start_bundle(applicant=applicant, bundle_code=bundle.code)
    parent = _fill_and_upload(parent, applicant=applicant, data=data)
    return application_services.application_submit(application=parent, actor=applicant)


def _request_supplement(case, official, applicant):
    return application_services.application_transition(
        application_id=case.pk, to_status=Status.SUPPLEMENT_REQUESTED, actor=official, comment="请补充清晰的材料"
    )


def _resubmit(case, official, applicant):
    request = case.supplement_requests.get(fulfilled_at__isnull=True)
    requirement = case.service_version.materials.order_by("order", "pk").first()
    application_services.material_add_upload(
        application=case,
        requirement=requirement,
        uploaded=pdf_upload("补正材料.pdf"),
        actor=applicant,
        supplement=request,
    )
    return supplement_resubmit(application=case, actor=applicant)


def _official_move(to_status: str, comment: str = ""):
    def move(case, official, applicant):
        return application_services.application_transition(
            application_id=case.pk, to_status=to_status, actor=official, comment=comment
        )

    return move


def _decide(to_status: str, comment: str = ""):
    def move(case, official, applicant):
        return application_decide(
            application_id=case.pk, to_status=to_status, actor=official, comment=comment
        ).application

    return move


def _withdraw(case, official, applicant):
    return application_services.application_transition(
        application_id=case.pk, to_status=Status.WITHDRAWN, actor=applicant, comment="不再需要"
    )


_ACCEPT = _official_move(Status.ACCEPTED)
# How a submitted case reaches each state: the moves after submission, in order.
STATES: dict[str, list] = {
    Status.SUBMITTED: [],
    Status.ACCEPTED: [_ACCEPT],
    Status.REFUSED: [_official_move(Status.REFUSED, "不属于本部门受理范围")],
    Status.IN_REVIEW: [_ACCEPT, _official_move(Status.IN_REVIEW)],
    Status.SUPPLEMENT_REQUESTED: [_ACCEPT, _request_supplement],
    Status.RESUBMITTED: [_ACCEPT, _request_supplement, _resubmit],
    Status.APPROVED: [_ACCEPT, _decide(Status.APPROVED)],
    Status.DENIED: [_ACCEPT, _decide(Status.DENIED, "不符合条件")],
    Status.CONCLUDED: [_ACCEPT, _decide(Status.APPROVED), _decide(Status.CONCLUDED)],
    Status.WITHDRAWN: [_withdraw],
}


def application_in(
    status: str, *, applicant=None, item: ServiceItem | None = None, official_user=None, data: dict | None = None
) -> Application:
    """A case in ``status``, reached through the services as a resident and an official would.

    ``applicant`` defaults to a fresh verified resident, ``item`` to a fresh published
    item, ``official_user`` to a fresh official of the item's department."""
    applicant = applicant or resident()
    item = item or published_item()
    if status == Status.DRAFT:
        return draft_application(applicant=applicant, item=item, data=data)
    if status not in STATES:
        raise ValueError(f"application_in: no path to {status!r}")
    case = submitted_application(applicant=applicant, item=item, data=data)
    moves = STATES[status]
    if moves:
        official_user = official_user or official(department=item.department)
    for move in moves:
        case = move(case, official_user, applicant)
    case.refresh_from_db()
    assert case.status == status, (case.status, status)
    return case
