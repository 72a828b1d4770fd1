"""Choices and the one table of allowed status changes for e-certificates."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolderKind(models.TextChoices):
    RESIDENT = "resident", _("个人")
    ENTERPRISE = "enterprise", _("企业")


class CertificateStatus(models.TextChoices):
    """Stored status. "Expired" is not stored: it follows from ``valid_until`` (see ``Certificate.state``)."""

    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已吊销")
    SUPERSEDED = "superseded", _("已换发")


class Outcome(models.TextChoices):
    """What a verification answers."""

    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已吊销")
    SUPERSEDED = "superseded", _("已换发")
    TAMPERED = "tampered", _("内容被篡改")
    FORGED = "forged", _("签名无效（伪造）")
    UNKNOWN_KEY = "unknown_key", _("签名密钥未知")
    UNKNOWN = "unknown", _("查无此证")


# (from, to): allowed changes of a certificate's stored status. Issuing creates a "valid" row.
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (CertificateStatus.VALID, CertificateStatus.REVOKED),
        (CertificateStatus.VALID, CertificateStatus.SUPERSEDED),
    }
)


class UseKind(models.TextChoices):
    SHARE_OPENED = "share_opened", _("授权查看加注件")
    APPLICATION = "application", _("用于办事申请")
    VERIFIED = "verified", _("核验")
    HOTEL_CHECK_IN = "hotel_check_in", _("酒店入住核验")
    SHARE_REFUSED = "share_refused", _("授权已撤回，拒绝访问")


class ShareRecipientKind(models.TextChoices):
    LINK = "link", _("链接")
    PARTNER = "partner", _("合作机构")
    CASE = "case", _("办件")
