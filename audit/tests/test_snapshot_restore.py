"""Live-server tests put a seeded snapshot back before each test (common/testing/database.py):
that must work on audit tables, which refuse DELETE, and must not record the copy as history."""

import pytest

from applications.models import ApplicationEvent, Transition
from applications.tests import factories as case_factories
from common.testing.database import DatabaseSnapshot


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_goes_back_over_audit_tables_without_new_history():
    from applications.calendar import calendar_seed_from_package

    calendar_seed_from_package()
    item = case_factories.published_item(department_code="ga", code="GA-001")
    case_factories.submitted_application(applicant=case_factories.resident(), item=item)
    events, transitions = ApplicationEvent.objects.count(), Transition.objects.count()
    assert events and transitions
    snapshot = DatabaseSnapshot.take()
    case_factories.submitted_application(applicant=case_factories.resident(), item=item)

    snapshot.restore()

    assert (ApplicationEvent.objects.count(), Transition.objects.count()) == (events, transitions)
