"""Choices for the catalogue, named as in the national integrated platform's
service-item standard (国家政务服务平台 事项标准)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    ADMINISTRATIVE_LICENCE = "licence", _("行政许可")
    ADMINISTRATIVE_CONFIRMATION = "confirmation", _("行政确认")
    ADMINISTRATIVE_PAYMENT = "payment", _("行政给付")
    ADMINISTRATIVE_REGISTRATION = "registration", _("行政登记")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他行政权力")


class Audience(models.TextChoices):
    RESIDENT = "resident", _("个人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("个人和法人")


class LifeEventKind(models.TextChoices):
    RESIDENT = "resident", _("个人生命周期")
    ENTERPRISE = "enterprise", _("企业生命周期")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件和复印件")
    E_CERTIFICATE = "e_certificate", _("电子证照")
    ELECTRONIC = "electronic", _("电子材料")


class OnlineDepth(models.TextChoices):
    """Online service depth levels (网上办理深度) of the national standard."""

    INFORMATION = "1", _("一级：网上咨询")
    DOWNLOAD = "2", _("二级：网上预审")
    PREREVIEW = "3", _("三级：网上受理")
    FULLY_ONLINE = "4", _("四级：全程网办")


class Channel(models.TextChoices):
    WEB = "web", _("网站")
    APP = "app", _("移动端")
    COUNTER = "counter", _("窗口")
    SELF_SERVICE = "self_service", _("自助终端")
    POST = "post", _("邮寄")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("证照")
    APPROVAL_LETTER = "approval_letter", _("批文")
    FILING = "filing", _("备案")
    PAYMENT = "payment", _("资金")
    OTHER = "other", _("其他")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本取代")
    WITHDRAWN = "withdrawn", _("已撤回")


# Promised limits are expected to be well below statutory ones (the platform's
# "承诺时限压缩" target); the publish check warns below this ratio of cut.
PROMISED_LIMIT_TARGET_CUT = 0.6


class FeeExemptionCategory(models.TextChoices):
    """Who a fee can be waived for (减免对象). Whether a payer belongs to one is
    attested by a registered source (``payments.exemptions``), never self-declared."""

    LOW_INCOME = "low_income", _("最低生活保障对象（低保户）")
    EXTREME_POVERTY = "extreme_poverty", _("特困供养人员")


class FeeOrderPoint(models.TextChoices):
    """When an application's fee order is made. Empty on a version: the deployment's
    default (``settings.PAYMENTS_ORDER_AT_SUBMISSION`` lists item codes ordered at submission)."""

    SUBMISSION = "submission", _("提交时缴费")
    ACCEPTANCE = "acceptance", _("受理后缴费")
