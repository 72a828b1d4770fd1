import uuid

from django.utils.translation import gettext_lazy as _

from ...models import SandboxIdentity
from ...personal_data import id_number_digest
from ..base import BaseVerifier, VerificationResult
from ..registry import register


@register("sandbox")
class SandboxVerifier(BaseVerifier):
    """Confirms only the test identities officials keep in the admin. Sandbox: no real registry is asked."""

    verbose_name = _("沙箱核验（测试身份，非真实核验）")
    is_sandbox = True

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        matched = SandboxIdentity.objects.filter(id_number_digest=id_number_digest(id_number), name=name).exists()
        return VerificationResult(matched=matched, reference=f"sandbox-{uuid.uuid4().hex[:16]}")
