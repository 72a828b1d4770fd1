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
# Read it top to bottom as the life of a case. ``system`` moves are the
# portal's own: a bundle (一件事) fanning out into sub-cases, its parent
# concluding with the last of them, and a withdrawn parent ending its open
# sub-cases. Every change, the system's too, goes through
# ``applications.services.application_transition``.
_A, _O, _S = Role.APPLICANT, Role.OFFICIAL, Role.SYSTEM
ALLOWED_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.DRAFT, Status.SUBMITTED): frozenset({_A, _S}),  # _S: a bundle's sub-case at fan-out
    (Status.SUBMITTED, Status.ACCEPTED): frozenset({_O}),  # 受理
    (Status.SUBMITTED, Status.REFUSED): frozenset({_O}),  # 不予受理
    (Status.ACCEPTED, Status.IN_REVIEW): frozenset({_O, _S}),  # _S: the fee was paid (payments_bridge)
    (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED): frozenset({_O}),  # 补正: the clock pauses
    (Status.IN_REVIEW, Status.SUPPLEMENT_REQUESTED): frozenset({_O}),
    (Status.SUPPLEMENT_REQUESTED, Status.RESUBMITTED): frozenset({_A}),  # the clock runs again
    (Status.RESUBMITTED, Status.IN_REVIEW): frozenset({_O}),
    (Status.RESUBMITTED, Status.SUPPLEMENT_REQUESTED): frozenset({_O}),
    (Status.ACCEPTED, Status.APPROVED): frozenset({_O}),
    (Status.IN_REVIEW, Status.APPROVED): frozenset({_O}),
    (Status.RESUBMITTED, Status.APPROVED): frozenset({_O}),
    (Status.ACCEPTED, Status.DENIED): frozenset({_O}),
    (Status.IN_REVIEW, Status.DENIED): frozenset({_O}),
    (Status.RESUBMITTED, Status.DENIED): frozenset({_O}),
    (Status.APPROVED, Status.CONCLUDED): frozenset({_O}),  # 办结
    (Status.DENIED, Status.CONCLUDED): frozenset({_O}),
    # A bundle's parent concludes when its last sub-case has ended.
    (Status.SUBMITTED, Status.CONCLUDED): frozenset({_S}),
    # The applicant may withdraw before a decision; withdrawing a bundle's
    # parent withdraws its undecided sub-cases (_S).
    (Status.SUBMITTED, Status.WITHDRAWN): frozenset({_A, _S}),
    (Status.ACCEPTED, Status.WITHDRAWN): frozenset({_A, _S}),
    (Status.IN_REVIEW, Status.WITHDRAWN): frozenset({_A, _S}),
    (Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN): frozenset({_A, _S}),
    (Status.RESUBMITTED, Status.WITHDRAWN): frozenset({_A, _S}),
}


def transition_roles(from_status: str, to_status: str) -> frozenset[str]:
    """Who may move a case from ``from_status`` to ``to_status`` (empty: nobody)."""
    return ALLOWED_TRANSITIONS.get((from_status, to_status), frozenset())


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
