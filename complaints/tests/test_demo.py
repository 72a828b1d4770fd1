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
