import uuid

from django.utils.translation import gettext_lazy as _

from ...models import SandboxEnterprise, SandboxIdentity
from ...personal_data import id_number_digest, uscc_digest
from ..base import (
    BaseEnterpriseVerifier,
    BaseVerifier,
    EnterpriseOutcome,
    EnterpriseVerificationResult,
    VerificationResult,
)
from ..registry import register, register_enterprise


@register("sandbox")
class SandboxVerifier(BaseVerifier):
    """Confirms only the test identities officials keep in the admin. Sandbox: no real registry is asked."""

    verbose_name = _("沙箱核验（测试身份，非真实核验）")
    is_sandbox = True

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        matched = SandboxIdentity.objects.filter(id_number_digest=id_number_digest(id_number), name=name).exists()
        return VerificationResult(matched=matched, reference=f"sandbox-{uuid.uuid4().hex[:16]}")


def sandbox_enterprise_outcome(*, uscc: str, name: str, representative_name: str, representative_id_number: str) -> str:
    """The answer the sandbox table gives (shared by the sandbox verifier and the SANDBOX gateway)."""
    entry = SandboxEnterprise.objects.filter(uscc_digest=uscc_digest(uscc)).first()
    if entry is None:
        return EnterpriseOutcome.NO_RECORD
    if " ".join(entry.name.split()) != " ".join((name or "").split()):
        return EnterpriseOutcome.NAME_MISMATCH
    if entry.representative_name != representative_name or entry.representative_id_number_digest != (
        id_number_digest(representative_id_number)
    ):
        return EnterpriseOutcome.NOT_REPRESENTATIVE
    return EnterpriseOutcome.MATCH


@register_enterprise("sandbox")
class SandboxEnterpriseVerifier(BaseEnterpriseVerifier):
    """Confirms only the demo enterprises officials keep in the admin (沙箱测试企业). Sandbox: no real registry."""

    verbose_name = _("沙箱核验（测试企业，非真实核验）")
    is_sandbox = True

    def verify(
        self, *, uscc: str, name: str, representative_name: str, representative_id_number: str
    ) -> EnterpriseVerificationResult:
        outcome = sandbox_enterprise_outcome(
            uscc=uscc,
            name=name,
            representative_name=representative_name,
            representative_id_number=representative_id_number,
        )
        return EnterpriseVerificationResult(outcome=outcome, reference=f"sandbox-{uuid.uuid4().hex[:16]}")
