"""The service catalogue (统一服务事项目录).

A ``ServiceItem`` is the stable identity of a service: its code, name, audience,
department and place in the navigation. What a resident must satisfy, bring and
pay, and how long it takes, lives in a ``ServiceItemVersion``. Published versions
are never edited: a change is a new version, so an application keeps pointing at
the version it was judged by.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.triggers import track
from common.i18n import EnglishNameMixin
from common.models import TimeStampedModel
from common.money import yuan

from .constants import (
    Audience,
    FeeExemptionCategory,
    FeeOrderPoint,
    ItemType,
    LifeEventKind,
    MaterialForm,
    OnlineDepth,
    ResultType,
    VersionStatus,
)


class Department(EnglishNameMixin, TimeStampedModel):
    code = models.SlugField(_("部门代码"), max_length=40, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    region = models.CharField(_("行政区划"), max_length=50)
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    website = models.URLField(_("网站"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.name


class LifeEvent(EnglishNameMixin, TimeStampedModel):
    """A resident's life event (出生, 就业 …) or an enterprise's stage (开办, 注销 …)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=LifeEventKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("人生事件/企业阶段")
        verbose_name_plural = _("人生事件/企业阶段")
        ordering = ("kind", "order", "code")

    def __str__(self) -> str:
        return self.name


# Popularity and the search columns are derived and rewritten by tasks: kept out of the history.
@track(verbose_name=_("服务事项变更历史"), exclude=("popularity", "search_name", "search_body"))
class ServiceItem(EnglishNameMixin, TimeStampedModel):
    code = models.CharField(_("事项编码"), max_length=64, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    aliases = models.CharField(_("别名"), max_length=300, blank=True, help_text=_("以逗号分隔，如：开公司、办执照"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以逗号分隔"))
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    audience = models.CharField(_("服务对象"), max_length=20, choices=Audience.choices, db_index=True)
    department = models.ForeignKey(
        Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="items"
    )
    life_events = models.ManyToManyField(
        LifeEvent, verbose_name=_("人生事件/企业阶段"), blank=True, related_name="items"
    )
    popularity = models.PositiveIntegerField(
        _("热度"), default=0, db_index=True, help_text=_("近期办件量，用于热门服务与搜索排序")
    )
    published_version = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name=_("当前发布版本"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Segmented words with their pinyin and initials, written on publish (see
    # services.search). PostgreSQL indexes them as a ``simple`` tsvector through
    # an expression GIN index (migration 0002); SQLite matches them by substring.
    search_name = models.TextField(editable=False, blank=True, default="")
    search_body = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ("code",)
        indexes = (models.Index(fields=["-popularity", "code"], name="services_item_popular_idx"),)

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None

    def save(self, *args, **kwargs):
        # One canonical spelling, so search can match a whole alias (see selectors).
        self.aliases = ",".join(split_terms(self.aliases))
        self.keywords = ",".join(split_terms(self.keywords))
        super().save(*args, **kwargs)


@track(verbose_name=_("事项版本变更历史"))
class ServiceItemVersion(TimeStampedModel):
    """One version of a service guide (办事指南). Immutable once published."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("受理条件"))
    statutory_limit_days = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"))
    on_site_visits = models.PositiveSmallIntegerField(_("到办事现场次数"), help_text=_("0 表示全程网办"))
    online_depth = models.CharField(_("网上办理深度"), max_length=1, choices=OnlineDepth.choices)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True)
    result_type = models.CharField(_("办理结果类型"), max_length=20, choices=ResultType.choices)
    result_name = models.CharField(_("办理结果名称"), max_length=200)
    service_location = models.CharField(_("办理地点"), max_length=300, blank=True)
    contact_phone = models.CharField(_("咨询电话"), max_length=50)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=50)
    notes = models.TextField(_("备注"), blank=True)
    # The application form as JSON Schema (draft 2020-12) with our keywords:
    # "x-order" (field order), "x-label-en" (English label, "title" is Chinese),
    # "x-source" (prefill source such as "identity.name"; see applications.forms).
    form_schema = models.JSONField(_("申请表单（JSON Schema）"), default=dict, blank=True)
    fee_order_point = models.CharField(
        _("缴费时点"),
        max_length=20,
        choices=FeeOrderPoint.choices,
        blank=True,
        help_text=_("留空则按系统默认（PAYMENTS_ORDER_AT_SUBMISSION 列出的事项提交时缴费，其余受理后缴费）"),
    )
    minimum_assurance_level = models.PositiveSmallIntegerField(
        _("最低认证等级"), default=2, help_text=_("1 手机号验证，2 实名核验，3 人脸或现场核验")
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ("item", "-version")
        constraints = (
            models.UniqueConstraint(fields=["item", "version"], name="services_version_unique"),
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=F("statutory_limit_days")),
                name="services_promised_within_statutory",
                violation_error_message=_("承诺时限不得超过法定时限。"),
            ),
            # At most one published version per item: what the portal shows.
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="published"), name="services_one_published_version"
            ),
        )

    def __str__(self) -> str:
        return f"{self.item.name} v{self.version}"

    @property
    def is_fully_online(self) -> bool:
        return self.on_site_visits == 0

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def time_saved_percent(self) -> int:
        if not self.statutory_limit_days:
            return 0
        return round(100 * (self.statutory_limit_days - self.promised_limit_days) / self.statutory_limit_days)


class _VersionPart(models.Model):
    """A row belonging to one guide version, shown in ``order``."""

    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        abstract = True
        ordering = ("order", "pk")


class Material(_VersionPart):
    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(_("材料形式"), max_length=20, choices=MaterialForm.choices)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    mandatory = models.BooleanField(_("必要"), default=True)
    # The certificates app links e-certificate types by this code; the catalogue
    # only records which type can stand in for the paper material.
    certificate_type_code = models.CharField(
        _("可替代的电子证照类型"), max_length=64, blank=True, help_text=_("可用该类电子证照代替本材料")
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta(_VersionPart.Meta):
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.name


class Fee(_VersionPart):
    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("收费项目"), max_length=200)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    legal_basis = models.CharField(_("收费依据"), max_length=300)
    # Waived for a payer a registered source attests to be in one of these
    # categories (FeeExemptionCategory values); see payments.exemptions.
    exempt_categories = models.JSONField(_("减免对象"), default=list, blank=True)
    exemption_basis = models.CharField(_("减免依据"), max_length=300, blank=True)

    class Meta(_VersionPart.Meta):
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")

    def __str__(self) -> str:
        return self.name

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def exempt_category_labels(self) -> list[str]:
        labels = dict(FeeExemptionCategory.choices)
        return [str(labels[category]) for category in self.exempt_categories if category in labels]

    def clean(self):
        unknown = set(self.exempt_categories or []) - set(FeeExemptionCategory.values)
        if unknown:
            raise ValidationError({"exempt_categories": _("未知的减免对象：%(names)s") % {"names": ", ".join(unknown)}})
        if self.exempt_categories and not self.exemption_basis:
            raise ValidationError({"exemption_basis": _("设置减免对象时须填写减免依据。")})


class ProcessStep(_VersionPart):
    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("环节"), max_length=100)
    description = models.TextField(_("说明"), blank=True)

    class Meta(_VersionPart.Meta):
        verbose_name = _("办理流程")
        verbose_name_plural = _("办理流程")

    def __str__(self) -> str:
        return self.name


class SpecialStep(_VersionPart):
    """A step not counted toward the time limit (特别程序), e.g. expert review."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="special_steps")
    name = models.CharField(_("特别程序"), max_length=100)
    max_days = models.PositiveSmallIntegerField(_("时限（工作日）"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta(_VersionPart.Meta):
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")

    def __str__(self) -> str:
        return self.name


class FAQ(_VersionPart):
    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("解答"))

    class Meta(_VersionPart.Meta):
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")

    def __str__(self) -> str:
        return self.question


class _CuratedList(EnglishNameMixin, TimeStampedModel):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        abstract = True
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.name


class Topic(_CuratedList):
    """A curated page of items (专栏), e.g. 企业开办 or 不动产登记."""

    items = models.ManyToManyField(ServiceItem, through="TopicItem", related_name="topics", blank=True)

    class Meta(_CuratedList.Meta):
        verbose_name = _("专栏")
        verbose_name_plural = _("专栏")


class TopicItem(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, verbose_name=_("事项"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ("order", "pk")
        constraints = (models.UniqueConstraint(fields=["topic", "item"], name="services_topic_item_unique"),)
        verbose_name = _("专栏事项")
        verbose_name_plural = _("专栏事项")

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.item_id}"


class Bundle(_CuratedList):
    """One thing to get done (一件事) across several departments' items.

    The applications app turns a bundle into a single application; here it is
    the ordered list of items and what the resident gets at the end.
    """

    audience = models.CharField(_("服务对象"), max_length=20, choices=Audience.choices)
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"), null=True, blank=True)
    items = models.ManyToManyField(ServiceItem, through="BundleItem", related_name="bundles", blank=True)

    class Meta(_CuratedList.Meta):
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE)
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, verbose_name=_("事项"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ("order", "pk")
        constraints = (models.UniqueConstraint(fields=["bundle", "item"], name="services_bundle_item_unique"),)
        verbose_name = _("一件事事项")
        verbose_name_plural = _("一件事事项")

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class SynonymGroup(TimeStampedModel):
    """Words searched as one (社保卡 ↔ 社会保障卡), edited by officials."""

    terms = models.CharField(
        _("同义词"), max_length=300, unique=True, help_text=_("以逗号分隔的一组同义词，如：社保卡,社会保障卡")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")
        ordering = ("terms",)

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return split_terms(self.terms)


def split_terms(value: str) -> list[str]:
    """Split a comma-, 、- or whitespace-separated list, keeping order, dropping blanks."""
    for separator in ("，", "、", ";", "；", "\n", " "):
        value = value.replace(separator, ",")
    return [term.strip() for term in value.split(",") if term.strip()]
