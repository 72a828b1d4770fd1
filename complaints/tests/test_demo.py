import io

import pytest
from django.core.management import call_command

from complaints.constants import FollowUpStatus, Stage
from complaints.models import Evaluation, FollowUp

pytestmark = pytest.mark.django_db


def test_seed_demo_rates_demo_cases_with_one_bad_rating_in_rectification_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    ratings = Evaluation.objects.count()
    assert ratings >= 5
    followup = FollowUp.objects.get()
    assert followup.status == FollowUpStatus.CALLED_BACK
    assert followup.callbacks.count() == 1
    # The concluded demo case is left to rate at its conclusion, in the browser.
    assert not Evaluation.objects.filter(stage=Stage.CONCLUDED).exists()

    call_command("seed_demo", stdout=io.StringIO())
    assert Evaluation.objects.count() == ratings
    assert FollowUp.objects.count() == 1


def test_seed_demo_fills_inquiries_in_every_state_and_is_idempotent():
    from complaints.constants import InquiryAction, InquiryStatus
    from complaints.demo_inquiries import DEMO_REPORT_QUERY_CODE
    from complaints.models import Inquiry
    from complaints.selectors_inquiries import inquiry_by_query_code

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert statuses == set(InquiryStatus.values)
    items = Inquiry.objects.count()
    assert Inquiry.objects.filter(transitions__action=InquiryAction.TRANSFER).exists()
    assert Inquiry.objects.filter(escalation_level__gt=0).exists()
    report = Inquiry.objects.get(anonymous=True)
    assert report.submitter is None
    assert inquiry_by_query_code(reference=report.reference, query_code=DEMO_REPORT_QUERY_CODE) == report
    assert f"{report.reference} / {DEMO_REPORT_QUERY_CODE}" in out.getvalue()

    call_command("seed_demo", stdout=io.StringIO())
    assert Inquiry.objects.count() == items
