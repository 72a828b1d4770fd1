"""``application_in`` reaches each state through the services, with its recorded transitions."""

import pytest

from applications.constants import ALLOWED_TRANSITIONS, Status
from applications.models import Transition

from .factories import STATES, application_in, published_item, resident, submitted_bundle

pytestmark = pytest.mark.django_db

# The recorded path to each state, as (from, to) pairs, starting from the draft.
EXPECTED_PATHS = {
    Status.DRAFT: [],
    Status.SUBMITTED: [(Status.DRAFT, Status.SUBMITTED)],
    Status.ACCEPTED: [(Status.DRAFT, Status.SUBMITTED), (Status.SUBMITTED, Status.ACCEPTED)],
    Status.REFUSED: [(Status.DRAFT, Status.SUBMITTED), (Status.SUBMITTED, Status.REFUSED)],
    Status.IN_REVIEW: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.IN_REVIEW),
    ],
    Status.SUPPLEMENT_REQUESTED: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED),
    ],
    Status.RESUBMITTED: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED),
        (Status.SUPPLEMENT_REQUESTED, Status.RESUBMITTED),
    ],
    Status.APPROVED: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.APPROVED),
    ],
    Status.DENIED: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.DENIED),
    ],
    Status.CONCLUDED: [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.APPROVED),
        (Status.APPROVED, Status.CONCLUDED),
    ],
    Status.WITHDRAWN: [(Status.DRAFT, Status.SUBMITTED), (Status.SUBMITTED, Status.WITHDRAWN)],
}


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
