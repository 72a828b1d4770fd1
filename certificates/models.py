"""E-certificates (电子证照): types, issued certificates, signing keys, consented shares and their use log."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import track
from common.audit_records import AuditRecord
from common.crypto import EncryptedTextField
from common.models import SigningKeyBase, TimeStampedModel
from common.storage import get_private_storage

from .constants import CertificateStatus, HolderKind, Outcome, ShareRecipientKind, UseKind


class CertificateType(TimeStampedModel):
    """A kind of certificate (营业执照, 居住证 …) and how it is issued and reused.

    ``fields`` is the field schema, a list of ``{"key", "label", "public", "from"}``:
    ``from`` names the form field of the issuing case the value is taken from
    (default: ``key``), or ``holder.name`` / ``holder.identifier`` for the holder's
    verified name and masked ID number or USCC. ``public`` fields are shown on
    the public verification page.

    ``issued_by_items`` lists the service item codes whose approval issues this
    type; ``stands_for`` lists further material type codes it can replace (a
    material with ``certificate_type_code`` equal to ``code`` always matches).
    """

    code = models.SlugField(_("证照类型代码"), max_length=50, unique=True)
    name = models.CharField(_("证照名称"), max_length=100)
    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, related_name="certificate_types", verbose_name=_("发证部门")
    )
    holder_kind = models.CharField(_("持证主体"), max_length=20, choices=HolderKind.choices)
    validity_days = models.PositiveIntegerField(_("有效期（天）"), null=True, blank=True, help_text=_("留空为长期有效"))
    fields = models.JSONField(_("字段"), default=list, blank=True)
    issued_by_items = models.JSONField(_("发证事项编码"), default=list, blank=True)
    stands_for = models.JSONField(_("可替代的材料类型"), default=list, blank=True)
    template_html = models.TextField(
        _("文书模板（HTML）"), blank=True, help_text=_("留空使用默认模板；可用变量见 README")
    )
    template_css = models.TextField(_("文书样式（CSS）"), blank=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def material_codes(self) -> set[str]:
        return {self.code, *self.stands_for}

    @property
    def public_keys(self) -> list[str]:
        return [f["key"] for f in self.fields if f.get("public")]


class SigningKey(SigningKeyBase):
    """An Ed25519 key that signs certificate contents. The newest unretired key
    signs; retired keys stay published in the JWKS forever, since certificates
    they signed stay valid."""

    public_key = models.CharField(max_length=64, editable=False, help_text="raw public key, base64url")

    class Meta(SigningKeyBase.Meta):
        verbose_name = _("证照签名密钥")
        verbose_name_plural = _("证照签名密钥")


class DocumentSigningCredential(models.Model):
    """The X.509 certificate and key that sign the PDFs (pyhanko). SANDBOX: a
    self-signed certificate generated on first use, standing in for one issued
    by a government CA."""

    label = models.CharField(max_length=100, unique=True)
    certificate_pem = models.TextField(editable=False)
    private_key_pem = EncryptedTextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文书签章证书（沙箱）")
        verbose_name_plural = _("文书签章证书（沙箱）")

    def __str__(self) -> str:
        return self.label


@track(verbose_name=_("电子证照变更历史"))
class Certificate(models.Model):
    """An issued certificate. Its content (``signed_payload``) is signed by ``kid``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("证照编号"), max_length=64, unique=True)
    type = models.ForeignKey(CertificateType, on_delete=models.PROTECT, related_name="certificates")
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("持证人"),
    )
    holder_enterprise = models.ForeignKey(
        "identity.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("持证企业"),
    )
    holder_name = models.CharField(_("持证人名称"), max_length=200)
    holder_identifier = models.CharField(_("证件号码（掩码）"), max_length=30, blank=True)
    fields = models.JSONField(_("证照信息"), default=dict)
    public_fields = models.JSONField(_("公开字段"), default=list, blank=True)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    issuing_case_number = models.CharField(_("发证办件"), max_length=64, blank=True)
    issuing_service_code = models.CharField(_("发证事项"), max_length=64, blank=True)
    department_name = models.CharField(_("发证机关"), max_length=100)
    kid = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name=_("换发自")
    )
    status_reason = models.CharField(_("吊销或换发原因"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(storage=get_private_storage, upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-created_at"]
        constraints = [
            # One certificate of a type per approval, however often issuing is retried.
            models.UniqueConstraint(
                fields=["issuing_case_number", "type"],
                condition=~Q(issuing_case_number=""),
                name="unique_certificate_per_case_and_type",
            ),
            models.CheckConstraint(
                condition=Q(holder_user__isnull=False, holder_enterprise__isnull=True)
                | Q(holder_user__isnull=True, holder_enterprise__isnull=False),
                name="certificate_has_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type.name} {self.number}"

    def state(self, today=None) -> str:
        """The status as verification answers it: a valid certificate past ``valid_until`` is expired."""
        if self.status != CertificateStatus.VALID:
            return self.status
        today = today or timezone.localdate()
        if self.valid_until is not None and self.valid_until < today:
            return Outcome.EXPIRED
        return Outcome.VALID

    @property
    def token(self) -> str:
        """The signed token the QR code carries: number, key id and signature."""
        return f"{self.number}.{self.kid}.{self.signature}"


class CertificateTransition(models.Model):
    """An issued, revoked or superseded certificate: who, when, from, to, why."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("证照状态记录")
        verbose_name_plural = _("证照状态记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.from_status} → {self.to_status}"


class Share(models.Model):
    """A consented share (授权用证): the holder lets a recipient see an annotated
    copy for a purpose within a time window. Withdrawal takes effect at once."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="shares")
    token = models.CharField(max_length=64, unique=True, editable=False)
    recipient_kind = models.CharField(
        _("接收方类型"), max_length=20, choices=ShareRecipientKind.choices, default=ShareRecipientKind.LINK
    )
    recipient = models.CharField(_("接收方"), max_length=200)
    recipient_client_id = models.CharField(_("合作机构客户端"), max_length=100, blank=True)
    purpose = models.CharField(_("用途"), max_length=200)
    case_reference = models.CharField(_("办件"), max_length=64, blank=True)
    valid_from = models.DateTimeField(_("授权开始"))
    valid_until = models.DateTimeField(_("授权截止"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权用证")
        verbose_name_plural = _("授权用证")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.certificate_id} → {self.recipient}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.withdrawn_at is None and self.valid_from <= now <= self.valid_until


class UseLog(models.Model):
    """Every use of a certificate the holder should know of: shares opened, verifications, applications."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="uses")
    share = models.ForeignKey(Share, on_delete=models.SET_NULL, null=True, blank=True, related_name="uses")
    kind = models.CharField(_("用途类别"), max_length=30, choices=UseKind.choices)
    party = models.CharField(_("使用方"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.party} {self.get_kind_display()}"
