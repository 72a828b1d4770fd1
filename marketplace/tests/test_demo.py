"""``seed_demo`` lays down the marketplace: service types, agencies, open and concluded postings,
ratings; the demo enterprise can post and two demo agencies can quote on the open draw. Idempotent."""

import io

import pytest
from django.core.management import call_command

from identity.demo_enterprises import DEMO_ENTERPRISE_USCC, DEMO_RESIDENT_MOBILE
from identity.models import Enterprise
from identity.personal_data import uscc_digest
from identity.services.acting import acting_check
from marketplace import selectors
from marketplace.constants import SERVICE_CODE, PostingStatus, SelectionMethod
from marketplace.models import Agency, Posting, Rating, ServiceType

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_marketplace_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert ServiceType.objects.count() >= 5
    assert "13800138101" in out.getvalue()
    assert all(kind.service_items.exists() for kind in ServiceType.objects.all())
    statuses = set(Posting.objects.values_list("status", flat=True))
    assert {PostingStatus.OPEN, PostingStatus.SELECTED, PostingStatus.RATED} <= statuses
    assert Rating.objects.count() >= 3
    assert all(check.ok for posting in Posting.objects.all() for check in selectors.verify_draw(posting))

    enterprise = Enterprise.objects.get(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC))
    acting_check(actor=enterprise.legal_representative, service_code=SERVICE_CODE, enterprise=enterprise)
    assert enterprise.legal_representative.username == DEMO_RESIDENT_MOBILE
    draw = Posting.objects.get(status=PostingStatus.OPEN, selection_method=SelectionMethod.RANDOM_DRAW)
    able = selectors.selectable_for_posting(posting=draw).exclude(enterprise=enterprise)
    assert able.count() >= 2
    assert all(agency.enterprise.legal_representative.has_usable_password() for agency in able)

    counts = (Agency.objects.count(), Posting.objects.count(), Rating.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Agency.objects.count(), Posting.objects.count(), Rating.objects.count()) == counts
