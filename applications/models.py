from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class CalendarYear(TimeStampedModel):
    """A year whose public holidays and make-up workdays are known.

    Years come from the ``chinesecalendar`` package (2004–2026) or are entered
    by officials when the State Council publishes the next year's notice.
    Deadlines that reach into a year without a row are provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(
        _("来源"), max_length=200, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知")
    )

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday on a weekday,
    or a make-up workday (调休) on a weekend. Holidays falling on a weekend may
    be listed too; they change nothing."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
