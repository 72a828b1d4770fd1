"""The supervision dashboard's summary tables (运行监测).

The dashboard never reads cases row by row: beat's ``dashboard.refresh_summary``
(:func:`dashboard.services.summary_refresh`) recomputes the recent days of these
tables with SQL aggregates, one transaction per day (delete, then insert), and the
dashboard sums them. Every figure comes from the cases, payments and catalogue;
none is typed in.

One row per day, department and service item:

- :class:`DailySummary`: cases received, concluded and still in progress at the
  day's end; the concluded cases' on-time counts and working days; the received
  cases' form fields and prefilled fields, materials and e-certificate materials,
  on-site visits and time limits (三少一快);
- :class:`DailyDuration`: how many cases concluded that day took N working days
  (a histogram: sums of histograms give the 90th percentile of any scope);
- :class:`DailyPayment`: fees collected and refunded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class _DailyRow(models.Model):
    day = models.DateField(_("日期"))
    department = models.ForeignKey(
        "services.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("部门")
    )
    service_item = models.ForeignKey(
        "services.ServiceItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项"),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}/{self.service_item_id}"


class DailySummary(_DailyRow):
    received = models.PositiveIntegerField(_("收件"), default=0)
    concluded = models.PositiveIntegerField(_("办结"), default=0)
    # A snapshot: submitted by the day's end and neither concluded, refused nor withdrawn by then.
    in_progress = models.PositiveIntegerField(_("在办"), default=0)
    # Of the cases concluded that day: with a promised (statutory) deadline, and concluded by it.
    promised_counted = models.PositiveIntegerField(default=0)
    on_time_promised = models.PositiveIntegerField(default=0)
    statutory_counted = models.PositiveIntegerField(default=0)
    on_time_statutory = models.PositiveIntegerField(default=0)
    # Working days from submission to conclusion, less the days paused for supplements (补正).
    working_days_sum = models.PositiveIntegerField(default=0)
    # Of the cases received that day (三少一快).
    fields_total = models.PositiveIntegerField(default=0)
    fields_prefilled = models.PositiveIntegerField(default=0)
    materials_total = models.PositiveIntegerField(default=0)
    materials_certificate = models.PositiveIntegerField(default=0)
    # Over the received cases with a service version: its on-site visits and time limits.
    versions_counted = models.PositiveIntegerField(default=0)
    visits_sum = models.PositiveIntegerField(default=0)
    promised_limit_sum = models.PositiveIntegerField(default=0)
    statutory_limit_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("每日办件汇总")
        verbose_name_plural = _("每日办件汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "service_item"], name="dashboard_summary_unique", nulls_distinct=False
            )
        ]
        indexes = [models.Index(fields=["day", "department"], name="dashboard_summary_day_idx")]


class DailyDuration(_DailyRow):
    working_days = models.PositiveIntegerField(_("用时（工作日）"))
    cases = models.PositiveIntegerField(_("件数"))

    class Meta:
        verbose_name = _("每日办结用时分布")
        verbose_name_plural = _("每日办结用时分布")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "service_item", "working_days"],
                name="dashboard_duration_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["day", "department"], name="dashboard_duration_day_idx")]


class DailyPayment(_DailyRow):
    paid_count = models.PositiveIntegerField(_("收款笔数"), default=0)
    paid_fen = models.BigIntegerField(_("收款金额（分）"), default=0)
    refund_count = models.PositiveIntegerField(_("退款笔数"), default=0)
    refund_fen = models.BigIntegerField(_("退款金额（分）"), default=0)

    class Meta:
        verbose_name = _("每日收费汇总")
        verbose_name_plural = _("每日收费汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "service_item"], name="dashboard_payment_unique", nulls_distinct=False
            )
        ]
        indexes = [models.Index(fields=["day", "department"], name="dashboard_payment_day_idx")]


class Dashboard(DailySummary):
    """The admin's entry for the dashboard and its permission ``dashboard.view_dashboard``.
    A proxy: no table of its own (an unmanaged model would still be in every sequence reset)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("监测看板")
        verbose_name_plural = _("监测看板")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
