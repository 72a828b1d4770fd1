"""``application_in`` reaches each state through the services, with its recorded transitions."""

import pytest

from applications.constants import ALLOWED_TRANSITIONS, Status
from applications.models import Transition

from .factories import STATES, application_in, published_item, resident, submitted_bundle

pytestmark = pytest.mark.django_db

# The state each state is reached from: the recorded path to a state, as (from, to) pairs starting
# from the draft, is the path to the state before it plus that last step.
REACHED_FROM = {
    Status.SUBMITTED: Status.DRAFT,
    Status.ACCEPTED: Status.SUBMITTED,
    Status.REFUSED: Status.SUBMITTED,
    Status.IN_REVIEW: Status.ACCEPTED,
    Status.SUPPLEMENT_REQUESTED: Status.ACCEPTED,
    Status.RESUBMITTED: Status.SUPPLEMENT_REQUESTED,
    Status.APPROVED: Status.ACCEPTED,
    Status.DENIED: Status.ACCEPTED,
    Status.CONCLUDED: Status.APPROVED,
    Status.WITHDRAWN: Status.SUBMITTED,
}


def _path_to(status: str) -> list[tuple[str, str]]:
    if status == Status.DRAFT:
        return []
    previous = REACHED_FROM[status]
    return [*_path_to(previous), (previous, status)]


EXPECTED_PATHS = {status: _path_to(status) for status in [Status.DRAFT, *REACHED_FROM]}


def test_every_state_has_a_path():
    assert set(EXPECTED_PATHS) == set(Status.values)
    assert set(STATES) | {Status.DRAFT} == set(Status.values)


@pytest.mark.parametrize("status", list(EXPECTED_PATHS))
def test_application_in_reaches_each_state_through_the_services_with_its_transitions(status):
    case = application_in(status)

    assert case.status == status
    recorded = list(case.transitions.order_by("created_at", "pk").values_list("from_status", "to_status", "role"))
    assert [(frm, to) for frm, to, _role in recorded] == EXPECTED_PATHS[status]
    for frm, to, role in recorded:
        assert role in ALLOWED_TRANSITIONS[(frm, to)]
    if status == Status.DRAFT:
        # Ready to submit: every mandatory material is there.
        assert case.materials.count() == case.service_version.materials.filter(mandatory=True).count()
    else:
        assert case.case_number and case.submitted_at


def test_application_in_uses_the_given_applicant_and_item():
    applicant, item = resident(), published_item(code="GIVEN-001")
    case = application_in(Status.ACCEPTED, applicant=applicant, item=item)
    assert (case.applicant, case.service_item) == (applicant, item)


def test_a_submitted_bundle_has_a_submitted_sub_case_per_department_recorded_as_the_systems_move():
    parent = submitted_bundle()

    children = list(parent.sub_cases.order_by("pk"))
    assert parent.status == Status.SUBMITTED
    assert len(children) == 2
    assert len({child.department_id for child in children}) == 2
    for child in children:
        assert child.status == Status.SUBMITTED
        assert list(Transition.objects.filter(application=child).values_list("from_status", "to_status", "role")) == [
            (Status.DRAFT, Status.SUBMITTED, "system")
        ]
