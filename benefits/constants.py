from django.db import models
from django.utils.translation import gettext_lazy as _

# The service code a family proxy (亲友代办) must name to certify for a pensioner (or hold
# "all services"): checked through identity.services.acting.
PENSION_CERTIFICATION_SERVICE_CODE = "BENEFITS.PENSION-CERT"
# The purpose recorded on face checks started here; the face-check receiver handles only these.
FACE_PURPOSE = "benefits.pension"
# What the ActingRecord of a certification by a family member is called.
ACTION_CERTIFY_FOR = "benefits.certify"
ACTION_VISIT_REQUEST_FOR = "benefits.home_visit_request"
# A face check's ``reference``: the attempt it belongs to.
ATTEMPT_REFERENCE_PREFIX = "benefits.attempt:"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("认证中")
    CLOSED = "closed", _("已结束")


CAMPAIGN_TRANSITIONS: dict[tuple[str, str], str] = {
    (CampaignStatus.DRAFT, CampaignStatus.OPEN): "open",
    (CampaignStatus.OPEN, CampaignStatus.CLOSED): "close",
}


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待认证")
    CERTIFIED = "certified", _("已认证")
    FLAGGED = "flagged", _("逾期未认证")
    SUSPENDED = "suspended", _("已暂停发放")
    EXEMPTED = "exempted", _("已豁免")


class Path(models.TextChoices):
    """How a pensioner was certified."""

    FACE = "face", _("本人刷脸认证")
    AGENT_FACE = "agent_face", _("亲属代办刷脸认证")
    HOME_VISIT = "home_visit", _("上门认证")
    HALL = "hall", _("服务大厅现场认证")


FACE_PATHS = (Path.FACE, Path.AGENT_FACE)
OFFICIAL_PATHS = (Path.HOME_VISIT, Path.HALL)


class Role(models.TextChoices):
    PENSIONER = "pensioner", _("本人")
    AGENT = "agent", _("代办亲属")
    OFFICIAL = "official", _("工作人员")
    SYSTEM = "system", _("系统")


class TaskAction(models.TextChoices):
    CREATE = "create", _("导入名单")
    CERTIFY = "certify", _("认证通过")
    ATTEMPT_FAILED = "attempt_failed", _("刷脸认证未通过")
    FLAG = "flag", _("逾期未认证")
    SUSPEND = "suspend", _("确认暂停发放")
    EXEMPT = "exempt", _("豁免")


_P, _A, _O, _S = Role.PENSIONER, Role.AGENT, Role.OFFICIAL, Role.SYSTEM
# The one table of allowed task changes: (from, to) → who may make it. A certification
# after the window (from flagged or suspended) is late but counts; from suspended it
# resumes the payment. Exempting a suspended pensioner resumes it too.
TASK_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (TaskStatus.PENDING, TaskStatus.CERTIFIED): frozenset({_P, _A, _O}),
    (TaskStatus.PENDING, TaskStatus.FLAGGED): frozenset({_S}),
    (TaskStatus.FLAGGED, TaskStatus.CERTIFIED): frozenset({_P, _A, _O}),
    (TaskStatus.FLAGGED, TaskStatus.SUSPENDED): frozenset({_O}),
    (TaskStatus.FLAGGED, TaskStatus.EXEMPTED): frozenset({_O}),
    (TaskStatus.SUSPENDED, TaskStatus.CERTIFIED): frozenset({_P, _A, _O}),
    (TaskStatus.SUSPENDED, TaskStatus.EXEMPTED): frozenset({_O}),
}
# Where a pensioner may still certify (by any path).
CERTIFIABLE_STATUSES = (TaskStatus.PENDING, TaskStatus.FLAGGED, TaskStatus.SUSPENDED)


class PaymentStatus(models.TextChoices):
    ACTIVE = "active", _("正常发放")
    SUSPENDED = "suspended", _("暂停发放")
    RESUMED = "resumed", _("恢复发放")


class ExemptionReason(models.TextChoices):
    HOSPITAL = "hospital", _("住院治疗")
    ABROAD = "abroad", _("出境居住（附证明）")
    OTHER = "other", _("其他原因")


class ReminderKind(models.TextChoices):
    START = "start", _("认证开始提醒")
    MIDWAY = "midway", _("认证过半提醒")
    FINAL = "final", _("即将截止提醒")


class AttemptStatus(models.TextChoices):
    STARTED = "started", _("进行中")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("待上门")
    CERTIFIED = "certified", _("已上门认证")
    NOT_CERTIFIED = "not_certified", _("已上门，未能认证")


class VisitOutcome(models.TextChoices):
    CERTIFIED = "certified", _("本人在世，认证通过")
    NOT_CERTIFIED = "not_certified", _("未见到本人或无法认证")
