"""Test data for the resident's pages: a published service item and residents.

Kept apart from ``factories.py`` (the officials' tests): everything here is
made through the same models and services the portal uses.
"""

import io
import itertools
from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty
from pypdf import PdfWriter

from applications.demo import RESIDENT_FORM
from applications.models import DepartmentOfficial
from common.storage import private_storage
from identity.constants import AssuranceLevel
from identity.models import User
from identity.personal_data import id_number_columns
from identity.validators import id_number_check_character
from services.models import Department, Material, ProcessStep, ServiceItem, ServiceItemVersion
from services.services import service_item_version_publish

PASSWORD = "correct-horse-battery-9"
_serial = itertools.count(1)


def valid_id_number(serial: int) -> str:
    """A GB 11643-valid ID number, distinct for each ``serial``."""
    first17 = f"44010619900101{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


def resident(*, verified: bool = True, real_name: str = "李小明", **extra) -> User:
    n = next(_serial)
    fields = {"username": f"resident-{n}", "mobile": f"1380000{n:04d}", **extra}
    if verified:
        fields.update(assurance_level=AssuranceLevel.L2, real_name=real_name, **id_number_columns(valid_id_number(n)))
    user = User(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def official_for(department: Department) -> User:
    n = next(_serial)
    user = User.objects.create(username=f"official-{n}", is_staff=True)
    DepartmentOfficial.objects.create(user=user, department=department)
    return user


def published_item(
    *,
    code: str = "TEST-RES-001",
    audience: str = "resident",
    form_schema: dict | None = None,
    certificate_type_code: str = "",
    promised_days: int = 10,
) -> ServiceItem:
    """A published service item with a form, one mandatory material and one process step."""
    department, _ = Department.objects.get_or_create(
        code="testamr", defaults={"name": "测试市场监管局", "region": "广州市", "region_code": "440100"}
    )
    item = ServiceItem.objects.create(
        code=code, name="测试许可事项", item_type="licence", audience=audience, department=department
    )
    version = ServiceItemVersion.objects.create(
        item=item,
        version=1,
        legal_basis="《测试条例》第一条",
        conditions="符合条件的申请人",
        statutory_limit_days=20,
        promised_limit_days=promised_days,
        on_site_visits=0,
        online_depth="4",
        result_type="certificate",
        result_name="测试许可证",
        contact_phone="020-12345678",
        complaint_phone="12345",
        form_schema=form_schema if form_schema is not None else RESIDENT_FORM,
        minimum_assurance_level=AssuranceLevel.L2,
    )
    Material.objects.create(
        version=version,
        name="身份证明",
        form="electronic",
        mandatory=True,
        certificate_type_code=certificate_type_code,
    )
    ProcessStep.objects.create(version=version, name="受理")
    service_item_version_publish(version=version)
    item.refresh_from_db()
    return item


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@contextmanager
def private_media_root(settings, path):
    """Point private storage at ``path`` (a test's own folder) for the duration.

    The storage is set up lazily, once: it is reset so it reads the setting again."""
    settings.PRIVATE_MEDIA_ROOT = path
    private_storage._wrapped = empty
    try:
        yield path
    finally:
        private_storage._wrapped = empty
