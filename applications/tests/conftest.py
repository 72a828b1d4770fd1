import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications.demo import seed_form_schemas
from applications.models import DepartmentOfficial
from services import demo as services_demo
from services.models import Department


@pytest.fixture
def demo_catalogue(db):
    """The demo catalogue with its application forms."""
    services_demo.seed()
    seed_form_schemas()


def pdf_file(name: str = "材料.pdf") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


@pytest.fixture
def make_official(db):
    from identity.tests.factories import UserFactory

    def make(department_code: str, **kwargs):
        user = UserFactory(official=True, **kwargs)
        DepartmentOfficial.objects.create(user=user, department=Department.objects.get(code=department_code))
        return user

    return make
