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

# SANDBOX test names (documented in the README and printed by seed_demo): any 18-digit number that passes
# GB 11643 and is not in the sandbox identity table verifies with one of these names, so a demo can
# verify as many new accounts as it registers. The traditional placeholder names (张三, 李四 and 王五 are
# "Tom, Dick and Harry"); 张三 and 李四 are taken by the demo residents in the table.
SANDBOX_TEST_NAMES = ("王五", "赵六", "孙七", "周八", "吴九", "郑十")


def sandbox_identity_outcome(*, name: str, id_number: str) -> str:
    """``"MATCH"``, ``"MISMATCH"`` or ``"NO_RECORD"`` for a checksum-valid number (verifier and gateway share it).

    A number officials keep in the sandbox identity table matches only its own name. Any other valid
    number matches a name from :data:`SANDBOX_TEST_NAMES` and nothing else.
    """
    listed = SandboxIdentity.objects.filter(id_number_digest=id_number_digest(id_number)).first()
    if listed is not None:
        return "MATCH" if listed.name == name else "MISMATCH"
    return "MATCH" if name in SANDBOX_TEST_NAMES else "NO_RECORD"


@register("sandbox")
class SandboxVerifier(BaseVerifier):
    """Confirms the test identities officials keep in the admin, and any valid number held by a
    documented test name (``SANDBOX_TEST_NAMES``). Sandbox: no real registry is asked."""

    verbose_name = _("沙箱核验（测试身份，非真实核验）")
    is_sandbox = True

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        matched = sandbox_identity_outcome(name=name, id_number=id_number) == "MATCH"
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
