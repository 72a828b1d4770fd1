import pytest

from benefits import demo
from benefits.constants import PENSION_CERTIFICATION_SERVICE_CODE, CampaignStatus, TaskStatus
from benefits.models import Campaign, CertificationTask, TaskTransition
from benefits.selectors import tasks_for_resident
from identity import demo as identity_demo
from identity.models import ProxyAuthorisation, User
from identity.services.acting import acting_check

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_demo_resident_their_father_to_certify_and_is_idempotent():
    identity_demo.seed()
    accounts = demo.seed()
    assert any(demo.PARENT_MOBILE in line for line in accounts)
    counts = (Campaign.objects.count(), CertificationTask.objects.count(), TaskTransition.objects.count())
    demo.seed()
    assert (Campaign.objects.count(), CertificationTask.objects.count(), TaskTransition.objects.count()) == counts
    assert ProxyAuthorisation.objects.filter(revoked_at__isnull=True).count() == 1

    resident = User.objects.get(username=identity_demo.RESIDENT_MOBILE)
    parent = User.objects.get(username=demo.PARENT_MOBILE)
    assert parent.is_real_name_verified
    acting_check(actor=resident, service_code=PENSION_CERTIFICATION_SERVICE_CODE, principal_user=parent)
    visible = tasks_for_resident(user=resident)
    assert [(task.beneficiary.name, task.status, task.for_self) for task in visible] == [
        (demo.PARENT_NAME, TaskStatus.PENDING, False)
    ]
    assert visible[0].campaign.status == CampaignStatus.OPEN
    states = set(CertificationTask.objects.values_list("status", flat=True))
    assert states == {TaskStatus.PENDING, TaskStatus.CERTIFIED, TaskStatus.SUSPENDED, TaskStatus.EXEMPTED}
