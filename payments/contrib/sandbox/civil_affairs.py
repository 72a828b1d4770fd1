"""SANDBOX exemption source: the civil-affairs registry of 低保 and 特困 recipients.

Registered as ``civil-affairs-sandbox`` in :data:`payments.exemptions.exemption_sources`;
it answers from :class:`~payments.contrib.sandbox.models.SandboxAssistanceRecord`
(demo rows from :func:`seed`). A real adapter asks the civil-affairs department's
data-sharing interface with the payer's real-name-verified ID number.
"""

from django.utils import timezone

from services.constants import FeeExemptionCategory

from ...exemptions import Attestation, ExemptionSource, exemption_sources
from .models import SandboxAssistanceRecord

# Demo: the sandbox identity 王小明 (identity.demo) is a registered 低保 recipient.
DEMO_RECORDS = (("王小明", "11010519800808777X", FeeExemptionCategory.LOW_INCOME, "低保证 440106-2026-000123"),)


@exemption_sources("civil-affairs-sandbox")
class SandboxCivilAffairsSource(ExemptionSource):
    verbose_name = "民政救助对象库 (SANDBOX)"
    is_sandbox = True
    categories = frozenset(FeeExemptionCategory.values)

    def categories_for(self, *, user) -> list[Attestation]:
        digest = getattr(user, "id_number_digest", None)
        if not digest or getattr(user, "verified_at", None) is None:
            return []  # only a real-name-verified payer can be matched
        today = timezone.localdate()
        return [
            Attestation(category=record.category, source=self.identifier, evidence=record.certificate_no)
            for record in SandboxAssistanceRecord.objects.filter(id_number_digest=digest)
            if record.valid_until is None or record.valid_until >= today
        ]


def seed() -> list[str]:
    """Demo rows (idempotent)."""
    from identity.personal_data import id_number_columns

    for name, id_number, category, certificate_no in DEMO_RECORDS:
        columns = id_number_columns(id_number)
        SandboxAssistanceRecord.objects.update_or_create(
            id_number_digest=columns["id_number_digest"],
            category=category,
            defaults={"name": name, "id_number_masked": columns["id_number_masked"], "certificate_no": certificate_no},
        )
    return [
        "民政救助对象库 SANDBOX / sandbox low-income registry: 王小明 11010519800808777X (低保) "
        "→ 居民身份证工本费免收 / ID card fee waived"
    ]
