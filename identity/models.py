import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import append_only, track
from common.audit_records import AuditRecord
from common.crypto import EncryptedTextField
from common.models import SigningKeyBase, TimeStampedModel

from .constants import (
    AssuranceLevel,
    FaceCheckDecision,
    FaceCheckStatus,
    PersonalDataField,
    SmsPurpose,
    VerificationOutcome,
)


# Kept out of the history: the password hash, the encrypted ID number and its keyed digest (the
# masked number is kept), and the sign-in stamp, which changes on every login.
@track(
    verbose_name=_("用户变更历史"),
    exclude=("password", "id_number", "id_number_digest", "last_login"),
)
class User(AbstractUser):
    """The one account model for residents, enterprise representatives, agents
    and officials. Defined from the first migration so identity work never has
    to swap ``AUTH_USER_MODEL``.

    Residents sign in with their mobile number (which is also their username);
    officials are staff users with TOTP. The ID number is held encrypted and
    found through ``id_number_digest``; ``id_number_masked`` is what screens show.
    """

    mobile = models.CharField(_("手机号码"), max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)
    assurance_level = models.PositiveSmallIntegerField(
        _("认证等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    real_name = models.CharField(_("真实姓名"), max_length=100, blank=True)
    id_number = EncryptedTextField(_("身份证号码（加密）"), blank=True, editable=False)
    id_number_digest = models.CharField(
        _("身份证号码索引"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, blank=True, editable=False)
    verified_at = models.DateTimeField(_("实名核验时间"), null=True, blank=True)
    verification_provider = models.CharField(_("核验服务"), max_length=50, blank=True)
    # A raised assurance (L3 after a face check) lasts until then; beat lowers it back to L2
    # (identity.lower_expired_assurance). Empty: the level does not expire.
    assurance_expires_at = models.DateTimeField(_("认证等级有效期至"), null=True, blank=True)
    # The language of the pages they last signed in or registered on: messages to them are written in it.
    preferred_language = models.CharField(_("首选语言"), max_length=16, choices=settings.LANGUAGES, blank=True)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        swappable = "AUTH_USER_MODEL"
        permissions = [("reveal_personal_data", _("可查看完整身份证号码和统一社会信用代码"))]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def current_assurance_level(self) -> int:
        """The assurance level now: a raised level past ``assurance_expires_at`` counts as L2 even
        before the hourly task has lowered it (``identity.lower_expired_assurance``)."""
        if self.assurance_expires_at is not None and self.assurance_expires_at <= timezone.now():
            return min(self.assurance_level, AssuranceLevel.L2)
        return self.assurance_level

    @property
    def is_real_name_verified(self) -> bool:
        """Real-name verified (L2 or above). Not django-otp's ``is_verified()``,
        which says whether this *session* passed a second factor."""
        return self.assurance_level >= AssuranceLevel.L2


class SmsCode(models.Model):
    """A one-time SMS code. Only its keyed hash is stored; it is single use,
    expires after ``SMS_CODE_TTL_SECONDS`` and allows a few wrong guesses."""

    mobile = models.CharField(_("手机号码"), max_length=20, db_index=True)
    purpose = models.CharField(_("用途"), max_length=20, choices=SmsPurpose.choices)
    code_digest = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["mobile", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]} {self.purpose}"


class UserSession(models.Model):
    """One row per signed-in session, so a user can see and end their sessions
    and disabling an account can end them all server-side."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class SandboxIdentity(TimeStampedModel):
    """A test identity the **sandbox** real-name verifier confirms. Officials
    maintain these in the admin; nothing here is a real person."""

    name = models.CharField(_("姓名"), max_length=100)
    id_number = EncryptedTextField(_("身份证号码（加密）"), editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    # What the sandbox population registry (户籍) holds besides the name: prefills forms.
    household_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("沙箱测试身份")
        verbose_name_plural = _("沙箱测试身份（仅供测试）")

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class RealNameVerification(models.Model):
    """Every verification attempt and its outcome, for audit. Holds the masked
    number only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verifications")
    provider = models.CharField(_("核验服务"), max_length=50)
    outcome = models.CharField(_("结果"), max_length=20, choices=VerificationOutcome.choices)
    name = models.CharField(_("姓名"), max_length=100)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    reference = models.CharField(_("核验流水号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("实名核验记录")
        verbose_name_plural = _("实名核验记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.id_number_masked} {self.outcome}"


class PersonalDataAccess(models.Model):
    """Append-only log of officials revealing personal data in full: who, whose, when, why."""

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="personal_data_reveals"
    )
    subject_type = models.CharField(_("对象类型"), max_length=50)
    subject_id = models.CharField(_("对象"), max_length=50)
    field = models.CharField(_("字段"), max_length=20, choices=PersonalDataField.choices)
    reason = models.CharField(_("事由"), max_length=300)
    client_ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord(actor_field="official_id")

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-created_at"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.official_id} {self.field} {self.created_at:%Y-%m-%d %H:%M}"


class EnterpriseStatus(models.TextChoices):
    # Registered before verification existed, or never confirmed: may do nothing.
    UNVERIFIED = "unverified", _("待核验")
    # The enterprise verifier confirmed the USCC, the name and the legal representative.
    VERIFIED = "verified", _("已核验")


class Enterprise(TimeStampedModel):
    """An enterprise (法人) account, held by its legal representative.

    Only a ``verified`` enterprise can be acted for: the enterprise verifier
    (:mod:`identity.verification`) confirmed its USCC, its name and that the
    holder's verified identity is its legal representative. One row per USCC;
    when the authoritative source (or an official deciding a dispute) confirms
    someone else, the row is transferred to them and its mandates end.
    """

    name = models.CharField(_("企业名称"), max_length=200)
    uscc = EncryptedTextField(_("统一社会信用代码（加密）"), editable=False)
    uscc_digest = models.CharField(max_length=64, unique=True, editable=False)
    uscc_masked = models.CharField(_("统一社会信用代码"), max_length=18, editable=False)
    legal_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="represented_enterprises",
        verbose_name=_("法定代表人"),
    )
    status = models.CharField(
        _("核验状态"), max_length=20, choices=EnterpriseStatus.choices, default=EnterpriseStatus.UNVERIFIED
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verification_provider = models.CharField(_("核验服务"), max_length=50, blank=True)
    verification_reference = models.CharField(_("核验流水号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == EnterpriseStatus.VERIFIED


class SandboxEnterprise(TimeStampedModel):
    """A test enterprise the **sandbox** enterprise verifier confirms, with its
    legal representative. Officials maintain these in the admin; nothing here
    is a real company or person."""

    name = models.CharField(_("企业名称"), max_length=200)
    uscc = EncryptedTextField(_("统一社会信用代码（加密）"), editable=False)
    uscc_digest = models.CharField(max_length=64, unique=True, editable=False)
    uscc_masked = models.CharField(_("统一社会信用代码"), max_length=18, editable=False)
    representative_name = models.CharField(_("法定代表人姓名"), max_length=100)
    representative_id_number = EncryptedTextField(_("法定代表人身份证号码（加密）"), editable=False)
    representative_id_number_digest = models.CharField(max_length=64, editable=False)
    representative_id_number_masked = models.CharField(_("法定代表人身份证号码"), max_length=18, editable=False)
    # What the sandbox market-entity registry holds besides name and representative: prefills forms.
    enterprise_type = models.CharField(_("企业类型"), max_length=50, blank=True)
    registered_address = models.CharField(_("住所"), max_length=200, blank=True)
    registered_capital = models.CharField(_("注册资本"), max_length=50, blank=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("沙箱测试企业")
        verbose_name_plural = _("沙箱测试企业（仅供测试）")

    def __str__(self) -> str:
        return f"{self.name} {self.uscc_masked}"


class EnterpriseEventAction(models.TextChoices):
    VERIFY_REFUSED = "verify_refused", _("核验未通过")
    VERIFY_ERROR = "verify_error", _("核验服务不可用")
    REGISTERED = "registered", _("登记并核验")
    VERIFIED = "verified", _("补充核验通过")
    TRANSFERRED = "transferred", _("转给经核验的法定代表人")
    DISPUTE_FILED = "dispute_filed", _("提出异议")
    DISPUTE_UPHELD = "dispute_upheld", _("异议成立")
    DISPUTE_REJECTED = "dispute_rejected", _("异议不成立")


class EnterpriseEvent(models.Model):
    """Append-only: every step of an enterprise registration: verification
    attempts (refused ones too, with the masked USCC only), transfers and
    disputes. Who, when, what, why."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("企业")
    )
    uscc_masked = models.CharField(_("统一社会信用代码"), max_length=18)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=30, choices=EnterpriseEventAction.choices)
    from_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原法定代表人"),
    )
    to_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("新法定代表人"),
    )
    provider = models.CharField(_("核验服务"), max_length=50, blank=True)
    outcome = models.CharField(_("核验结果"), max_length=30, blank=True)
    reference = models.CharField(_("核验流水号"), max_length=100, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("企业登记记录")
        verbose_name_plural = _("企业登记记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.uscc_masked} {self.action}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")


# The one table of dispute decisions: from which status to which.
DISPUTE_TRANSITIONS = {
    DisputeStatus.OPEN: {DisputeStatus.UPHELD, DisputeStatus.REJECTED},
    DisputeStatus.UPHELD: set(),
    DisputeStatus.REJECTED: set(),
}


class EnterpriseDispute(TimeStampedModel):
    """A resident's challenge to an enterprise registration (企业登记异议):
    they say they, not the holder, are its legal representative. Officials
    decide in the admin; upholding transfers the registration to the disputant
    and ends its mandates."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("企业")
    )
    disputant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enterprise_disputes", verbose_name=_("异议人")
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("被异议的法定代表人")
    )
    reason = models.TextField(_("异议理由"), max_length=2000)
    status = models.CharField(_("状态"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("企业登记异议")
        verbose_name_plural = _("企业登记异议")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open dispute per disputant and enterprise: a second click files nothing new.
            models.UniqueConstraint(
                fields=["enterprise", "disputant"],
                condition=Q(status="open"),
                name="enterprise_dispute_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ({self.get_status_display()})"


class Mandate(TimeStampedModel):
    """A legal representative's grant to an agent (经办人) to act for the
    enterprise: for which services and until when. Revoked mandates are kept."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="mandates")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mandates")
    service_codes = models.JSONField(_("可办理事项编码"), default=list, blank=True)
    all_services = models.BooleanField(_("全部事项"), default=False)
    valid_until = models.DateTimeField(_("有效期至"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="granted_mandates")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        indexes = [models.Index(fields=["agent", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.agent_id} → {self.enterprise_id}"


class ProxyAuthorisation(TimeStampedModel):
    """A resident's authorisation for a family member to act for them (代办),
    typically for elderly residents."""

    principal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proxies_granted")
    proxy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proxies_held")
    relationship = models.CharField(_("关系"), max_length=20)
    service_codes = models.JSONField(_("可办理事项编码"), default=list, blank=True)
    all_services = models.BooleanField(_("全部事项"), default=False)
    valid_until = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("亲友代办授权")
        verbose_name_plural = _("亲友代办授权")
        constraints = [
            models.CheckConstraint(condition=~Q(principal=models.F("proxy")), name="proxy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.proxy_id} → {self.principal_id}"


class ActingRecord(models.Model):
    """Append-only: every action taken on someone else's behalf, who acted for whom."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acting_records")
    principal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    principal_enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True)
    action = models.CharField(_("操作"), max_length=100)
    service_code = models.CharField(_("事项编码"), max_length=64, blank=True)
    object_reference = models.CharField(_("对象"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("代办操作记录")
        verbose_name_plural = _("代办操作记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action}"


class EidSigningKey(SigningKeyBase):
    """An Ed25519 key that signs e-ID tokens. The newest active key signs; retired
    keys stay in the JWKS until every token they signed has expired."""

    public_jwk = models.JSONField(editable=False)

    class Meta(SigningKeyBase.Meta):
        verbose_name = _("电子凭证签名密钥")
        verbose_name_plural = _("电子凭证签名密钥")


class EidToken(models.Model):
    """A short-lived, single-use e-ID token shown as a QR code (居民身份电子凭证)."""

    jti = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eid_tokens")
    kid = models.CharField(max_length=64)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("电子凭证令牌")
        verbose_name_plural = _("电子凭证令牌")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return str(self.jti)


class EidVerification(models.Model):
    """A partner's verification of a resident's e-ID token, shown in the resident's log."""

    token = models.OneToOneField(EidToken, on_delete=models.CASCADE, related_name="verification")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eid_verifications")
    partner = models.CharField(_("核验方"), max_length=200)
    partner_client_id = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    released_fields = models.JSONField(_("提供的信息"), default=list)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("电子凭证核验记录")
        verbose_name_plural = _("电子凭证核验记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} {self.created_at:%Y-%m-%d %H:%M}"


# --- OAuth2 partner scopes ---
class PartnerScopeGrant(models.Model):
    """The scopes one OAuth2 application (a partner system) may ask for.

    An application without a row here may ask for no scope at all: partners
    are granted scopes deliberately, one by one, by an official.
    """

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_scope_grant",
        verbose_name=_("应用"),
    )
    allowed_scopes = models.TextField(_("允许的权限范围"), blank=True, help_text=_("以空格分隔，例如 openid profile"))
    may_introspect = models.BooleanField(
        _("可查验其他合作方的令牌"),
        default=False,
        help_text=_("资源服务器专用：允许该应用通过令牌查验接口查验发给其他应用的令牌。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("合作方权限范围")
        verbose_name_plural = _("合作方权限范围")

    def __str__(self) -> str:
        return str(self.application)

    @property
    def scopes(self) -> list[str]:
        return self.allowed_scopes.split()


# --- OAuth2: residents' consents and used authorization codes ---
class PartnerAuthorization(models.Model):
    """A resident's consent to one partner application: the scopes granted, and when.

    Written whenever the resident allows a partner (identity/oauth/services.py)
    and listed on their authorizations page, where withdrawing it revokes every
    token of that partner for them at once. A withdrawn consent keeps its row,
    with ``withdrawn_at``, as the record; a new consent reopens it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_authorizations",
        verbose_name=_("用户"),
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_authorizations",
        verbose_name=_("应用"),
    )
    scope = models.TextField(_("授权范围"), blank=True)
    granted_at = models.DateTimeField(_("首次授权时间"))
    updated_at = models.DateTimeField(_("最近授权时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合作方授权")
        verbose_name_plural = _("合作方授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="identity_partner_authorization_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.application_id}"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class UsedAuthorizationCode(models.Model):
    """An authorization code already exchanged, kept as a SHA-256 hash.

    A second exchange of the same code revokes what the first one issued
    (RFC 6749 §4.1.2): the access token, its ID token and the whole refresh
    token family. Rows older than the longest refresh token life are of no use.
    """

    code_hash = models.CharField(_("授权码摘要"), max_length=64, unique=True)
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("应用")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    access_token_checksum = models.CharField(_("访问令牌摘要"), max_length=64, blank=True)
    refresh_token_family = models.UUIDField(_("刷新令牌族"), null=True, blank=True)
    id_token_jti = models.UUIDField(_("ID 令牌编号"), null=True, blank=True)
    used_at = models.DateTimeField(_("使用时间"), default=timezone.now)
    replayed_at = models.DateTimeField(_("重放时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已使用的授权码")
        verbose_name_plural = _("已使用的授权码")

    def __str__(self) -> str:
        return f"{self.code_hash[:12]}… {self.used_at:%Y-%m-%d %H:%M}"


class BankAccount(TimeStampedModel):
    """A bank account a resident keeps on file for payments to them (公积金提取, 津贴, 待遇).

    The number is encrypted at rest and only its masked form is shown or
    copied into a form; the case keeps a link to this row (its field source).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_number = EncryptedTextField(_("银行账号（加密）"), editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, editable=False)

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_masked}"


# --- OAuth2: partner client registration (identity/oauth/clients.py) ---
class OAuthClientAuthMethod(models.TextChoices):
    """How a client authenticates at the token, revocation and introspection endpoints."""

    CLIENT_SECRET_BASIC = "client_secret_basic", _("客户端密钥（HTTP Basic）")
    CLIENT_SECRET_POST = "client_secret_post", _("客户端密钥（表单参数）")
    PRIVATE_KEY_JWT = "private_key_jwt", _("私钥签名断言（private_key_jwt）")


class OAuthClientProfile(models.Model):
    """What we know of a client beyond django-oauth-toolkit's ``Application``: its authentication method.

    An application without a row authenticates with its secret (HTTP Basic or
    form parameters), as every client did before partners could register.
    """

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="client_profile",
        verbose_name=_("应用"),
    )
    auth_method = models.CharField(
        _("客户端认证方式"),
        max_length=30,
        choices=OAuthClientAuthMethod.choices,
        default=OAuthClientAuthMethod.CLIENT_SECRET_BASIC,
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("合作方客户端设置")
        verbose_name_plural = _("合作方客户端设置")

    def __str__(self) -> str:
        return f"{self.application} ({self.auth_method})"


class OAuthClientSecret(models.Model):
    """A client secret issued by our services, as a Django password hash (never the secret).

    The current secret (``expires_at`` empty) is also the application's own
    ``client_secret``. After a rotation the previous one keeps working until
    ``expires_at``; client authentication (identity/oauth/validators.py)
    accepts it until then.
    """

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="client_secrets",
        verbose_name=_("应用"),
    )
    secret_hash = models.CharField(_("密钥摘要"), max_length=255, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户端密钥")
        verbose_name_plural = _("客户端密钥")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.created_at:%Y-%m-%d %H:%M}"


class OAuthClientKey(models.Model):
    """A public key (JWK) a client signs its ``private_key_jwt`` assertions with.

    Only public members are stored. ``kid`` is the partner's own or, if it gave
    none, the RFC 7638 thumbprint; both are unique among a client's active keys.
    A revoked key stays as the record and verifies nothing.
    """

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="client_keys",
        verbose_name=_("应用"),
    )
    kid = models.CharField(_("密钥编号（kid）"), max_length=255)
    kty = models.CharField(_("密钥类型"), max_length=10)
    thumbprint = models.CharField(_("指纹（RFC 7638）"), max_length=64)
    public_jwk = models.JSONField(_("公钥（JWK）"))
    created_at = models.DateTimeField(_("添加时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户端公钥")
        verbose_name_plural = _("客户端公钥")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kid"],
                condition=Q(revoked_at__isnull=True),
                name="identity_oauth_client_key_kid_unique",
            ),
            models.UniqueConstraint(
                fields=["application", "thumbprint"],
                condition=Q(revoked_at__isnull=True),
                name="identity_oauth_client_key_thumbprint_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.kty})"


class UsedClientAssertion(models.Model):
    """A ``private_key_jwt`` assertion already used, by the SHA-256 of its ``jti``, until it expires.

    An assertion is good once (RFC 7523 §3): a second use of the same ``jti``
    finds this row and is refused. Rows past ``expires_at`` are purged daily.
    """

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("应用")
    )
    jti_hash = models.CharField(_("断言编号摘要"), max_length=64)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("已使用的客户端断言")
        verbose_name_plural = _("已使用的客户端断言")
        constraints = [
            models.UniqueConstraint(fields=["application", "jti_hash"], name="identity_used_client_assertion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.jti_hash[:12]}…"


class OAuthClientEventAction(models.TextChoices):
    CREATED = "created", _("注册客户端")
    REDIRECT_URIS_SET = "redirect_uris_set", _("设置回调地址")
    SECRET_ROTATED = "secret_rotated", _("轮换客户端密钥")
    KEY_ADDED = "key_added", _("添加公钥")
    KEY_REVOKED = "key_revoked", _("吊销公钥")
    AUTH_METHOD_SET = "auth_method_set", _("更改认证方式")


class OAuthClientEvent(models.Model):
    """Append-only: every change to a partner's OAuth2 client: who, when, which client, what.

    The summary never holds a secret or a private key. The row outlives the
    client (``application`` becomes empty, ``client_id`` stays).
    """

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_events",
        verbose_name=_("应用"),
    )
    client_id = models.CharField(_("客户端编号"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=30, choices=OAuthClientEventAction.choices)
    summary = models.TextField(_("摘要"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("客户端变更记录")
        verbose_name_plural = _("客户端变更记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.client_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("OAuthClientEvent is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("OAuthClientEvent is append-only.")


class AssuranceChange(models.Model):
    """Every raise or lowering of a user's assurance level made by
    :func:`identity.services.facecheck.assurance_raise` or the expiry task:
    from, to, until when, why, and by which face check if any. (The user's change
    history in ``identity_userevent`` keeps the column values too.)"""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assurance_changes")
    from_level = models.PositiveSmallIntegerField(_("原等级"), choices=AssuranceLevel.choices)
    to_level = models.PositiveSmallIntegerField(_("新等级"), choices=AssuranceLevel.choices)
    until = models.DateTimeField(_("有效期至"), null=True, blank=True)
    reason = models.CharField(_("事由"), max_length=300)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    # Who was raised to which level, why and until when: kept at least the audit floor.
    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("认证等级变更记录")
        verbose_name_plural = _("认证等级变更记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} L{self.from_level}→L{self.to_level}"


class FaceCheck(models.Model):
    """One remote face check (实人认证) of ``user``: liveness plus a match against the
    registry photo of their ID number, done by a provider (``identity.facecheck``).

    Holds the provider's session id, its decision and score, and the consent the user
    gave for this very check. **Never an image**: providers' images are dropped before
    anything is saved or logged (``identity.facecheck.base.strip_images``).

    ``purpose`` and ``reference`` say what the check is for, in the caller's words
    (``"benefits.pension"`` and a task pk); receivers of
    ``identity.signals.face_check_completed`` pick their checks by them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="face_checks")
    purpose = models.CharField(_("用途"), max_length=50)
    reference = models.CharField(_("业务编号"), max_length=100, blank=True)
    provider = models.CharField(_("认证服务"), max_length=50)
    # Empty until the provider has opened the session.
    provider_session_id = models.CharField(_("认证服务流水号"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=FaceCheckStatus.choices, default=FaceCheckStatus.PENDING, db_index=True
    )
    decision = models.CharField(_("认证结论"), max_length=20, choices=FaceCheckDecision.choices, blank=True)
    liveness_passed = models.BooleanField(_("活体检测通过"), null=True, blank=True)
    match_score = models.DecimalField(_("比对分数"), max_digits=5, decimal_places=2, null=True, blank=True)
    # Where the browser goes when the check ends (a path on this site), ``?face_check=<id>`` appended.
    return_url = models.CharField(_("返回地址"), max_length=500, blank=True)
    consent_text = models.TextField(_("同意的告知内容"))
    consented_at = models.DateTimeField(_("同意时间"))
    consent_ip = models.GenericIPAddressField(_("同意时的IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # The record of a consent and of a check's outcome (never a face): kept at least the audit floor.
    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("人脸核验记录")
        verbose_name_plural = _("人脸核验记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_session_id"],
                condition=~Q(provider_session_id=""),
                name="identity_facecheck_unique_provider_session",
            ),
        ]
        indexes = [models.Index(fields=["purpose", "reference"], name="identity_facecheck_purpose_ref")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.reference} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status != FaceCheckStatus.PENDING
