"""The demo: seed_demo issues certificates to the demo holders, and at least half of the
required materials of the items in the topic columns and bundles can be met by them."""

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from certificates.selectors import certificates_usable_by
from identity.demo import RESIDENT_MOBILE
from identity.demo_enterprises import DEMO_ENTERPRISE_USCC
from identity.models import Enterprise, User
from identity.personal_data import uscc_digest
from services.models import Bundle, ServiceItem, Topic

pytestmark = pytest.mark.django_db

DEMO_TYPES = {"营业执照", "食品经营许可证", "居住证", "结婚证", "出生医学证明", "不动产权证书", "社会保障卡"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def _share_met(resident, enterprise) -> tuple[int, int]:
    codes = set(Topic.objects.values_list("items__code", flat=True)) | set(
        Bundle.objects.values_list("items__code", flat=True)
    )
    items = ServiceItem.objects.filter(code__in=codes).select_related("published_version")
    required = met = 0
    for item in items:
        principal = enterprise if item.audience == "enterprise" else resident
        for material in item.published_version.materials.filter(mandatory=True):
            required += 1
            if material.certificate_type_code and certificates_usable_by(
                user=resident, holder=principal, type_code=material.certificate_type_code
            ):
                met += 1
    return met, required


def test_at_least_half_the_required_materials_of_topics_and_bundles_are_met_by_held_certificates(demo):
    resident = User.objects.get(username=RESIDENT_MOBILE)
    enterprise = Enterprise.objects.get(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC))
    met, required = _share_met(resident, enterprise)
    assert required > 40
    assert met / required >= 0.5, f"{met}/{required}"


def test_the_demo_holders_own_the_demo_types_and_seeding_again_adds_none(demo):
    resident = User.objects.get(username=RESIDENT_MOBILE)
    names = set(Certificate.objects.filter(holder_user=resident).values_list("type__name", flat=True))
    names |= set(Certificate.objects.filter(holder_enterprise__isnull=False).values_list("type__name", flat=True))
    assert names >= DEMO_TYPES
    count = Certificate.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Certificate.objects.count() == count
