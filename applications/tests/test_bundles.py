import pytest

from applications import services
from applications.constants import Role, Status
from applications.models import Application, Transition
from identity.tests.factories import UserFactory
from services.models import Bundle

from .factories import submitted_bundle

pytestmark = pytest.mark.usefixtures("demo_catalogue")


@pytest.fixture
def resident(db):
    return UserFactory(verified=True)


def _submitted_bundle(resident) -> Application:
    """The demo catalogue's 出生一件事 (newborn), submitted and fanned out."""
    return submitted_bundle(applicant=resident, bundle=Bundle.objects.get(code="newborn"))


def test_the_merged_form_asks_each_field_once(resident):
    parent = services.application_start_bundle(applicant=resident, bundle_code="newborn")
    schema = services.application_schema(parent)
    assert len(schema["x-order"]) == len(set(schema["x-order"]))
    assert parent.form_data["applicant_name"] == resident.real_name
    names = [material.name for material in services.application_requirements(parent)]
    assert len(names) == len(set(names))


def test_a_bundle_fans_out_into_one_sub_case_per_department(resident):
    parent = _submitted_bundle(resident)

    assert parent.case_number.startswith("YJS-")
    children = list(parent.sub_cases.select_related("department").order_by("pk"))
    assert len(children) == 4
    assert len({child.department_id for child in children}) == 4
    for child in children:
        assert child.status == Status.SUBMITTED
        assert child.case_number.startswith(child.department.code.upper() + "-")
        assert child.promised_deadline is not None
        assert child.materials.exists()
        assert child.form_data["applicant_name"] == resident.real_name


def test_the_parent_concludes_when_every_sub_case_has(resident, make_official):
    parent = _submitted_bundle(resident)
    children = list(parent.sub_cases.select_related("department"))
    for index, child in enumerate(children):
        official = make_official(child.department.code)
        for status in (Status.ACCEPTED, Status.APPROVED, Status.CONCLUDED):
            services.application_transition(application_id=child.pk, to_status=status, actor=official, comment="同意")
        parent.refresh_from_db()
        if index < len(children) - 1:
            assert parent.status == Status.SUBMITTED

    assert parent.status == Status.CONCLUDED
    assert Transition.objects.filter(application=parent, to_status=Status.CONCLUDED, role=Role.SYSTEM).count() == 1


def test_the_bundle_page_starts_one_merged_draft(client, resident):
    client.force_login(resident)
    start_page = client.get("/applications/bundles/newborn/")
    assert start_page.status_code == 200
    assert '<form method="post"' in start_page.content.decode()
    assert not Application.objects.filter(applicant=resident).exists()  # a GET writes nothing
    response = client.post("/applications/bundles/newborn/")
    assert response.status_code == 302
    draft = Application.objects.get(applicant=resident, bundle__code="newborn", parent__isnull=True)
    assert response["Location"] == f"/applications/drafts/{draft.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "一次申请，由各部门分别办理" in html
    # Fields asked once, though several of the bundle's items ask for them.
    assert html.count('name="applicant_name"') == 1
