import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications.demo import seed_form_schemas
from applications.models import DepartmentOfficial
from services import demo as services_demo
from services.models import Department


@pytest.fixture(autouse=True)
def _holiday_calendar(request):
    """The holiday data its migration installs; transactional tests elsewhere flush it."""
    if not request.node.get_closest_marker("django_db"):
        requested = {"transactional_db", "db"} & set(request.fixturenames)
        if not requested:
            return
        # Set the database up now: this fixture may run before the one that asked for it.
        request.getfixturevalue("transactional_db" if "transactional_db" in requested else "db")
    from applications.calendar import calendar_seed_from_package
    from applications.models import CalendarYear

    if not CalendarYear.objects.filter(year=2026).exists():
        calendar_seed_from_package()


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
