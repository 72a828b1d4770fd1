"""Test helpers for applications: a published service item, a resident, an
official of a department, and a case submitted through the real services.

Every case made here goes the way a resident's would (start, save the draft,
upload a PDF, submit), so tests exercise the same code paths as the portal.
"""

import io
import itertools

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications import services as application_services
from applications.demo import ENTERPRISE_FORM, RESIDENT_FORM
from applications.models import Application, DepartmentOfficial
from identity.constants import AssuranceLevel
from identity.tests.factories import UserFactory
from services.constants import Audience, ItemType, MaterialForm, OnlineDepth, ResultType
from services.models import Department, Material, ProcessStep, ServiceItem, ServiceItemVersion
from services.services import service_item_version_publish

OFFICIAL_PERMISSIONS = ("process_application", "view_application", "change_application", "view_prefillreport")
_sequence = itertools.count(1)


def tiny_pdf(*, pages: int = 1) -> bytes:
    """A minimal valid PDF (blank A4 pages) that passes ``check_upload``."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf")


def department(*, code: str = "ga", name: str | None = None) -> Department:
    found, _created = Department.objects.get_or_create(
        code=code,
        defaults={"name": name or f"测试部门-{code}", "region": "广州市", "region_code": "440100"},
    )
    return found


def published_item(
    *,
    department_code: str = "ga",
    code: str = "TEST-001",
    audience: str = Audience.RESIDENT,
    materials: int = 1,
    form_schema: dict | None = None,
    statutory: int = 20,
    promised: int = 5,
) -> ServiceItem:
    """A service item with one published version: a form, ``materials`` mandatory materials and one step."""
    item = ServiceItem.objects.create(
        code=code,
        name=f"测试事项{code}",
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
        promised_limit_days=promised,
        on_site_visits=0,
        online_depth=OnlineDepth.FULLY_ONLINE,
        result_type=ResultType.CERTIFICATE,
        result_name="测试许可证",
        contact_phone="020-12345",
        complaint_phone="12345",
        form_schema=form_schema,
    )
    for number in range(materials):
        Material.objects.create(
            version=version, name=f"材料{number + 1}", form=MaterialForm.ELECTRONIC, mandatory=True, order=number
        )
    ProcessStep.objects.create(version=version, name="受理")
    service_item_version_publish(version=version)
    item.refresh_from_db()
    return item


def resident(**kwargs):
    """A resident who passed real-name verification, without the shared fixed ID number of
    ``UserFactory(verified=True)`` (so a test may have many)."""
    number = next(_sequence)
    defaults = {"assurance_level": AssuranceLevel.L2, "real_name": f"居民{number}"}
    return UserFactory(**{**defaults, **kwargs})


def official(*, department: Department, username: str | None = None, permissions=OFFICIAL_PERMISSIONS):
    """A staff user working ``department``'s queue, with the permissions officials get."""
    user = UserFactory(official=True, **({"username": username} if username else {}))
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="applications", codename__in=permissions)
    )
    DepartmentOfficial.objects.create(user=user, department=department)
    return user


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
    return {name: value for name, value in values.items() if name in schema.get("properties", {})}


def submitted_application(
    *, applicant, item: ServiceItem, data: dict | None = None, enterprise=None, principal_user=None
) -> Application:
    """A case submitted by ``applicant`` through the real services: start, draft, uploads, submit.
    ``enterprise`` or ``principal_user`` (a family proxy's principal) say whom it is for."""
    application = application_services.application_start(
        applicant=applicant, item_code=item.code, enterprise=enterprise, principal_user=principal_user
    )
    schema = application.service_version.form_schema
    draft = {**_default_data(applicant, schema), **application.form_data, **(data or {})}
    application = application_services.application_save_draft(application=application, data=draft, actor=applicant)
    for requirement in application.service_version.materials.filter(mandatory=True):
        application_services.material_add_upload(
            application=application, requirement=requirement, uploaded=pdf_upload(), actor=applicant
        )
    return application_services.application_submit(application=application, actor=applicant)
