"""Statuses and the transition tables of the intermediary marketplace (中介超市).

Each table maps ``(from, to)`` to the roles allowed to make the move; a move not in a
table is refused. The services check every state change against these tables only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The service code an agent's mandate must name (or "all services") to act for an
# enterprise in the marketplace, as a buyer or as an agency (identity.services.acting).
SERVICE_CODE = "marketplace"

# Actions written to identity's acting records ("<app>.<verb>").
ACTION_AGENCY_REGISTER = "marketplace.agency_register"
ACTION_AGENCY_UPDATE = "marketplace.agency_update"
ACTION_QUALIFICATION_ADD = "marketplace.qualification_add"
ACTION_POSTING_CREATE = "marketplace.posting_create"
ACTION_POSTING_CHANGE = "marketplace.posting_change"
ACTION_QUOTE = "marketplace.quote"
ACTION_SELECT = "marketplace.select"
ACTION_OBJECTION = "marketplace.objection"
ACTION_CONTRACT = "marketplace.contract"
ACTION_DELIVERY = "marketplace.delivery"
ACTION_RATING = "marketplace.rating"


class Role(models.TextChoices):
    """Who made a recorded move."""

    AGENCY = "agency", _("中介机构")
    BUYER = "buyer", _("项目业主")
    OFFICIAL = "official", _("监管部门")
    SYSTEM = "system", _("系统")


_A, _B, _O, _S = Role.AGENCY, Role.BUYER, Role.OFFICIAL, Role.SYSTEM


# --- Agencies -------------------------------------------------------------------------------


class AgencyStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已入驻")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


# Registered agencies wait for the supervising department; a rejected one may correct
# its details and apply again; an approved one may be suspended (and reinstated).
AGENCY_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (AgencyStatus.PENDING, AgencyStatus.APPROVED): frozenset({_O}),
    (AgencyStatus.PENDING, AgencyStatus.REJECTED): frozenset({_O}),
    (AgencyStatus.REJECTED, AgencyStatus.PENDING): frozenset({_A}),
    (AgencyStatus.APPROVED, AgencyStatus.SUSPENDED): frozenset({_O}),
    (AgencyStatus.SUSPENDED, AgencyStatus.APPROVED): frozenset({_O}),
}


class QualificationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("有效")
    REJECTED = "rejected", _("未通过")
    EXPIRED = "expired", _("已过期")


QUALIFICATION_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (QualificationStatus.PENDING, QualificationStatus.APPROVED): frozenset({_O}),
    (QualificationStatus.PENDING, QualificationStatus.REJECTED): frozenset({_O}),
    # The scheduled task, once valid_until has passed (selectors filter by date anyway).
    (QualificationStatus.APPROVED, QualificationStatus.EXPIRED): frozenset({_S}),
    (QualificationStatus.PENDING, QualificationStatus.EXPIRED): frozenset({_S}),
}


class Grade(models.IntegerChoices):
    """A qualification's grade (资质等级). Higher numbers rank higher: 甲级 satisfies "乙级 or above"."""

    UNGRADED = 0, _("不分等级")
    CLASS_C = 1, _("丙级")
    CLASS_B = 2, _("乙级")
    CLASS_A = 3, _("甲级")


# --- Postings (项目公告) ------------------------------------------------------------------


class SelectionMethod(models.TextChoices):
    DIRECT = "direct", _("直接选取")
    LOWEST_QUOTE = "lowest_quote", _("最低价选取")
    RANDOM_DRAW = "random_draw", _("随机抽取")


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("报价中")
    CLOSED = "closed", _("报价截止")
    SELECTED = "selected", _("已选定（公示中）")
    CONTRACTED = "contracted", _("已签约")
    DELIVERED = "delivered", _("已交付")
    RATED = "rated", _("已评价")
    CANCELLED = "cancelled", _("已取消")


# The one table of posting moves. A buyer publishes a draft; quotes are taken until the
# deadline, when the posting closes (the beat task, or whoever acts first after it);
# the buyer selects (direct, lowest quote or random draw) and the result is published;
# an upheld objection re-runs the selection (selected → selected) or, for a direct
# choice, sends the posting back to closed so the buyer chooses again. Then the
# contract, the delivery and the rating. An official may cancel a posting in dispute.
POSTING_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (PostingStatus.DRAFT, PostingStatus.OPEN): frozenset({_B}),
    (PostingStatus.DRAFT, PostingStatus.CANCELLED): frozenset({_B}),
    (PostingStatus.OPEN, PostingStatus.CLOSED): frozenset({_S, _B, _O}),
    (PostingStatus.OPEN, PostingStatus.CANCELLED): frozenset({_B, _O}),
    (PostingStatus.CLOSED, PostingStatus.SELECTED): frozenset({_B}),
    (PostingStatus.CLOSED, PostingStatus.CANCELLED): frozenset({_B, _O}),
    (PostingStatus.SELECTED, PostingStatus.SELECTED): frozenset({_O}),  # an upheld objection's re-run
    (PostingStatus.SELECTED, PostingStatus.CLOSED): frozenset({_O}),  # an upheld objection to a direct choice
    (PostingStatus.SELECTED, PostingStatus.CANCELLED): frozenset({_O}),
    (PostingStatus.SELECTED, PostingStatus.CONTRACTED): frozenset({_B}),
    (PostingStatus.CONTRACTED, PostingStatus.DELIVERED): frozenset({_B}),
    (PostingStatus.DELIVERED, PostingStatus.RATED): frozenset({_B}),
}
# Postings the public sees (drafts are the buyer's own).
PUBLIC_POSTING_STATUSES = tuple(status for status in PostingStatus.values if status != PostingStatus.DRAFT)
# Postings with a published result.
RESULT_STATUSES = (PostingStatus.SELECTED, PostingStatus.CONTRACTED, PostingStatus.DELIVERED, PostingStatus.RATED)


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议驳回")


class RatingScore(models.IntegerChoices):
    ONE = 1, _("很差")
    TWO = 2, _("较差")
    THREE = 3, _("一般")
    FOUR = 4, _("较好")
    FIVE = 5, _("很好")


def allowed_roles(table: dict[tuple[str, str], frozenset[str]], from_status: str, to_status: str) -> frozenset[str]:
    """Who may make the move ``from_status`` → ``to_status`` in ``table`` (empty: nobody)."""
    return table.get((from_status, to_status), frozenset())
