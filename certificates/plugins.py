"""What certificates plugs into below it: the material provider (少报), the prefill
family ``certificate:<type>.<field>`` (少填) and the decision listener (issuing
on approval). Registered from ``CertificatesConfig.ready()``."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.material_providers import Holding, MaterialProvider
from common.prefill import PrefillSource
from identity.models import Enterprise

from .constants import ShareRecipientKind, UseKind
from .models import Certificate
from .selectors import certificates_usable_by

# A share made for a case lasts long enough for the officials to decide.
CASE_SHARE_DAYS = 90


class WalletProvider(MaterialProvider):
    """Certificates in the applicant's (or their enterprise's) wallet stand in for materials."""

    verbose_name = _("电子证照库")

    def holdings(self, *, user, principal, type_code: str) -> list[Holding]:
        return [
            Holding(reference=str(c.uuid), name=f"{c.type.name}（{c.number}）", issued_on=c.issued_on)
            for c in certificates_usable_by(user=user, holder=principal, type_code=type_code)
        ]

    def holding_used(self, *, user, principal, holding: Holding, case_reference: str) -> None:
        """The case gets an annotated copy (a share stamped with its purpose), and the holder's log says so."""
        from .services import share_create, use_record

        certificate = Certificate.objects.select_related("type").get(uuid=holding.reference)
        now = timezone.now()
        share = share_create(
            certificate=certificate,
            actor=user,
            recipient=str(_("办件 %(case)s 的审批部门") % {"case": case_reference}),
            purpose=str(_("办事申请材料（少报）")),
            valid_from=now,
            valid_until=now + timezone.timedelta(days=CASE_SHARE_DAYS),
            recipient_kind=ShareRecipientKind.CASE,
            case_reference=case_reference,
        )
        use_record(
            certificate=certificate,
            share=share,
            kind=UseKind.APPLICATION,
            party=share.recipient,
            purpose=share.purpose,
        )


class CertificateFieldSource(PrefillSource):
    """``certificate:<type code>.<field key>``: the value on the newest valid certificate the
    applicant (or the enterprise they act for) holds. Authoritative: the field is locked."""

    # Stored with the case as plain text (JSON); shown as is.
    label = "电子证照"
    authoritative = True

    def resolve(self, *, source: str, applicant, enterprise) -> object | None:
        detail = source.split(":", 1)[1] if ":" in source else ""
        type_code, _dot, key = detail.partition(".")
        if not type_code or not key:
            return None
        holder = enterprise if isinstance(enterprise, Enterprise) else applicant
        for certificate in certificates_usable_by(user=applicant, holder=holder, type_code=type_code):
            if certificate.type.code != type_code:
                continue
            if key == "number":
                return certificate.number
            if key == "valid_until":
                return certificate.valid_until.isoformat() if certificate.valid_until else str(_("长期"))
            value = certificate.fields.get(key)
            if value not in (None, ""):
                return value
        return None
