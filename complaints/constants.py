from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """When a case is rated: at acceptance (optional) or once concluded."""

    ACCEPTED = "accepted", _("受理环节")
    CONCLUDED = "concluded", _("办结环节")


class Level(models.IntegerChoices):
    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


# Levels counted as satisfied in the public figures; the others open a follow-up.
SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIRLY_SATISFIED)
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Tag(models.TextChoices):
    """The fixed tags a resident may attach to a rating."""

    KIND_STAFF = "kind_staff", _("服务态度好")
    FAST = "fast", _("办理速度快")
    CLEAR_GUIDE = "clear_guide", _("办事指南清楚")
    FULLY_ONLINE = "fully_online", _("网上办理方便")
    RUDE_STAFF = "rude_staff", _("服务态度差")
    SLOW = "slow", _("办理时间长")
    EXTRA_VISITS = "extra_visits", _("多次跑动")
    REPEATED_MATERIALS = "repeated_materials", _("重复提交材料")
    UNCLEAR_GUIDE = "unclear_guide", _("办事指南不清楚")


class FollowUpStatus(models.TextChoices):
    OPENED = "opened", _("待回访")
    CALLED_BACK = "called_back", _("已回访")
    RECTIFIED = "rectified", _("已整改")
    CLOSED = "closed", _("已办结")
    APPEAL_REQUESTED = "appeal_requested", _("申诉中")
    APPEAL_UPHELD = "appeal_upheld", _("申诉成立")
    APPEAL_REJECTED = "appeal_rejected", _("申诉驳回")


class Role(models.TextChoices):
    DEPARTMENT = "department", _("责任部门")
    SUPERVISOR = "supervisor", _("监督人员")
    SYSTEM = "system", _("系统")


# The one table of allowed follow-up changes: (from, to) → who may make it.
# Opened by a bad rating; the department calls the resident back (mandatory),
# rectifies within the deadline and closes, which reports the result to the
# resident. Instead, the department may appeal a rating it thinks unfair; a
# supervisor decides. An upheld appeal ends the follow-up and excludes the
# rating from the figures; a rejected one sends the department back to work.
_D, _S = Role.DEPARTMENT, Role.SUPERVISOR
FOLLOWUP_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (FollowUpStatus.OPENED, FollowUpStatus.CALLED_BACK): frozenset({_D}),
    (FollowUpStatus.CALLED_BACK, FollowUpStatus.RECTIFIED): frozenset({_D}),
    (FollowUpStatus.RECTIFIED, FollowUpStatus.CLOSED): frozenset({_D}),
    (FollowUpStatus.OPENED, FollowUpStatus.APPEAL_REQUESTED): frozenset({_D}),
    (FollowUpStatus.CALLED_BACK, FollowUpStatus.APPEAL_REQUESTED): frozenset({_D}),
    (FollowUpStatus.APPEAL_REQUESTED, FollowUpStatus.APPEAL_UPHELD): frozenset({_S}),
    (FollowUpStatus.APPEAL_REQUESTED, FollowUpStatus.APPEAL_REJECTED): frozenset({_S}),
    (FollowUpStatus.APPEAL_REJECTED, FollowUpStatus.CALLED_BACK): frozenset({_D}),
    (FollowUpStatus.APPEAL_REJECTED, FollowUpStatus.RECTIFIED): frozenset({_D}),
}
FOLLOWUP_FINAL_STATUSES = (FollowUpStatus.CLOSED, FollowUpStatus.APPEAL_UPHELD)
# Moves that need a note: the rectification report, the appeal's reason, the decision's.
NOTE_REQUIRED = (
    FollowUpStatus.RECTIFIED,
    FollowUpStatus.APPEAL_REQUESTED,
    FollowUpStatus.APPEAL_UPHELD,
    FollowUpStatus.APPEAL_REJECTED,
)
# Working days the department has to rectify, from the day the follow-up opens.
RECTIFICATION_WORKING_DAYS = 15


def followup_transition_roles(from_status: str, to_status: str) -> frozenset[str]:
    """Who may move a follow-up from ``from_status`` to ``to_status`` (empty: nobody)."""
    return FOLLOWUP_TRANSITIONS.get((from_status, to_status), frozenset())


# --- Inquiries and complaints (咨询投诉) ---------------------------------------------------


class Kind(models.TextChoices):
    """What a resident brings: a question, a complaint, a suggestion or a report of wrongdoing."""

    INQUIRY = "inquiry", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    REPORT = "report", _("举报")


# The letters that start a reference number (受理编号), so a hotline operator hears the kind.
KIND_PREFIX = {Kind.INQUIRY: "ZX", Kind.COMPLAINT: "TS", Kind.SUGGESTION: "JY", Kind.REPORT: "JB"}


class InquiryStatus(models.TextChoices):
    RECEIVED = "received", _("待分派")
    ASSIGNED = "assigned", _("办理中")
    ANSWERED = "answered", _("已答复")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("已办结")


class InquiryAction(models.TextChoices):
    """What a recorded step did; the timeline is read from these."""

    SUBMIT = "submit", _("提交")
    ROUTE = "route", _("自动分派")
    ASSIGN = "assign", _("人工分派")
    TRANSFER = "transfer", _("转办")
    SEND_BACK = "send_back", _("退回分派")
    ANSWER = "answer", _("答复")
    REOPEN = "reopen", _("不满意，重新办理")
    CLOSE = "close", _("办结")
    ESCALATE = "escalate", _("逾期督办")


class InquiryRole(models.TextChoices):
    RESIDENT = "resident", _("群众")
    DEPARTMENT = "department", _("承办部门")
    DISPATCHER = "dispatcher", _("统一受理中心")
    SYSTEM = "system", _("系统")


# The one table of allowed inquiry moves: (from, to) → who may make it. Received
# items are routed by the rules at submission (system) or, when no rule and no
# department fits, assigned by the dispatch centre. The department answers, may
# transfer (assigned → assigned, limited) or send it back to the dispatch centre
# (once). The resident closes an answer they accept, or reopens it within the
# window; the system closes answers nobody reopened in time.
_R, _DEP, _DIS, _SYS = InquiryRole.RESIDENT, InquiryRole.DEPARTMENT, InquiryRole.DISPATCHER, InquiryRole.SYSTEM
INQUIRY_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (InquiryStatus.RECEIVED, InquiryStatus.ASSIGNED): frozenset({_SYS, _DIS}),
    (InquiryStatus.ASSIGNED, InquiryStatus.ASSIGNED): frozenset({_DEP}),  # a transfer
    (InquiryStatus.ASSIGNED, InquiryStatus.RECEIVED): frozenset({_DEP}),  # sent back for dispatch
    (InquiryStatus.ASSIGNED, InquiryStatus.ANSWERED): frozenset({_DEP}),
    (InquiryStatus.REOPENED, InquiryStatus.ANSWERED): frozenset({_DEP}),
    (InquiryStatus.ANSWERED, InquiryStatus.REOPENED): frozenset({_R}),
    (InquiryStatus.ANSWERED, InquiryStatus.CLOSED): frozenset({_R, _SYS}),
}
# Statuses in which the answer clock runs (and overdue items are escalated).
INQUIRY_OPEN_STATUSES = (InquiryStatus.RECEIVED, InquiryStatus.ASSIGNED, InquiryStatus.REOPENED)


def inquiry_transition_roles(from_status: str, to_status: str) -> frozenset[str]:
    """Who may move an inquiry from ``from_status`` to ``to_status`` (empty: nobody)."""
    return INQUIRY_TRANSITIONS.get((from_status, to_status), frozenset())
