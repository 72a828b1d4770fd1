"""The sandbox's own books: what it, playing the provider, knows about each trade."""

from django.db import models

from common.money import yuan
from services.constants import FeeExemptionCategory


class SandboxTrade(models.Model):
    provider = models.CharField(max_length=20, default="alipay")
    app_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64)
    trade_no = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=256)
    total_fen = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, default="WAIT_BUYER_PAY")  # the provider's words
    notify_url = models.URLField(max_length=500)
    return_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    notify_attempts = models.PositiveSmallIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "沙箱交易 (SANDBOX)"
        verbose_name_plural = "沙箱交易 (SANDBOX)"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.trade_no

    @property
    def total_yuan(self) -> str:
        return yuan(self.total_fen)


class SandboxRefund(models.Model):
    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.out_request_no


class SandboxAssistanceRecord(models.Model):
    """SANDBOX civil-affairs registry (民政救助对象): who receives 低保 or 特困 support.

    Stands in for the civil-affairs department's real registry behind
    :class:`payments.exemptions.ExemptionSource`. Keyed by the ID-number blind
    index (``identity.personal_data.id_number_digest``), never the number itself.
    """

    id_number_digest = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField("身份证号码", max_length=18)
    name = models.CharField("姓名", max_length=100)
    category = models.CharField("救助类别", max_length=20, choices=FeeExemptionCategory.choices)
    certificate_no = models.CharField("救助证编号", max_length=50)
    valid_until = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "民政救助对象 (SANDBOX)"
        verbose_name_plural = "民政救助对象 (SANDBOX)"
        constraints = (
            models.UniqueConstraint(fields=["id_number_digest", "category"], name="sandbox_assistance_unique"),
        )

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked} {self.category}"
