from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    IN_REVIEW = "in_review", _("审查中")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    RESUBMITTED = "resubmitted", _("已补正")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    CONCLUDED = "concluded", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    OFFICIAL = "official", _("工作人员")
    SYSTEM = "system", _("系统")


# The one table of allowed status changes: (from, to) → who may make it.
# Read it top to bottom as the life of a case.
ALLOWED_TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): Role.APPLICANT,
    (Status.SUBMITTED, Status.ACCEPTED): Role.OFFICIAL,  # 受理
    (Status.SUBMITTED, Status.REFUSED): Role.OFFICIAL,  # 不予受理
    (Status.ACCEPTED, Status.IN_REVIEW): Role.OFFICIAL,
    (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED): Role.OFFICIAL,  # 补正: the clock pauses
    (Status.IN_REVIEW, Status.SUPPLEMENT_REQUESTED): Role.OFFICIAL,
    (Status.SUPPLEMENT_REQUESTED, Status.RESUBMITTED): Role.APPLICANT,  # the clock runs again
    (Status.RESUBMITTED, Status.IN_REVIEW): Role.OFFICIAL,
    (Status.RESUBMITTED, Status.SUPPLEMENT_REQUESTED): Role.OFFICIAL,
    (Status.ACCEPTED, Status.APPROVED): Role.OFFICIAL,
    (Status.IN_REVIEW, Status.APPROVED): Role.OFFICIAL,
    (Status.RESUBMITTED, Status.APPROVED): Role.OFFICIAL,
    (Status.ACCEPTED, Status.DENIED): Role.OFFICIAL,
    (Status.IN_REVIEW, Status.DENIED): Role.OFFICIAL,
    (Status.RESUBMITTED, Status.DENIED): Role.OFFICIAL,
    (Status.APPROVED, Status.CONCLUDED): Role.OFFICIAL,  # 办结
    (Status.DENIED, Status.CONCLUDED): Role.OFFICIAL,
    # The applicant may withdraw before a decision.
    (Status.SUBMITTED, Status.WITHDRAWN): Role.APPLICANT,
    (Status.ACCEPTED, Status.WITHDRAWN): Role.APPLICANT,
    (Status.IN_REVIEW, Status.WITHDRAWN): Role.APPLICANT,
    (Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN): Role.APPLICANT,
    (Status.RESUBMITTED, Status.WITHDRAWN): Role.APPLICANT,
}

# Statuses in which the case sits in an official's queue, and in which the clock runs.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW, Status.RESUBMITTED)
# The clock stops for good here.
FINAL_STATUSES = (Status.REFUSED, Status.CONCLUDED, Status.WITHDRAWN)
DECIDED_STATUSES = (Status.APPROVED, Status.DENIED, *FINAL_STATUSES)


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("上传文件")
    CERTIFICATE = "certificate", _("电子证照")


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("待查毒")
    CLEAN = "clean", _("安全")
    INFECTED = "infected", _("发现病毒")
    NOT_SCANNED = "not_scanned", _("未配置查毒")
