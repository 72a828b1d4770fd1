from django.db import models
from django.utils.translation import gettext_lazy as _


class Colour(models.TextChoices):
    """A yellow card: the case is close to its promised deadline; a red card: it is past it."""

    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class CardStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("部门已说明")
    CLOSED = "closed", _("已关闭")


class Role(models.TextChoices):
    DEPARTMENT = "department", _("承办部门")
    SUPERVISOR = "supervisor", _("监察人员")
    SYSTEM = "system", _("系统")


# The one table of allowed card changes: (from, to) → who may make it. A card is
# issued open (by the system); the department acknowledges it with a note (what
# happened, what it does now); a supervisor closes it, or the system does when the
# case leaves the working set (decided, concluded, refused, withdrawn) or a red card
# for the same deadline replaces a yellow one.
_D, _S, _SYS = Role.DEPARTMENT, Role.SUPERVISOR, Role.SYSTEM
CARD_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (CardStatus.OPEN, CardStatus.ACKNOWLEDGED): frozenset({_D}),
    (CardStatus.OPEN, CardStatus.CLOSED): frozenset({_S, _SYS}),
    (CardStatus.ACKNOWLEDGED, CardStatus.CLOSED): frozenset({_S, _SYS}),
}
# Cards still in a supervisor's working queue.
CARD_ACTIVE_STATUSES = (CardStatus.OPEN, CardStatus.ACKNOWLEDGED)
# Moves that need a note: the department's explanation.
NOTE_REQUIRED = (CardStatus.ACKNOWLEDGED,)


def card_transition_roles(from_status: str, to_status: str) -> frozenset[str]:
    """Who may move a card from ``from_status`` to ``to_status`` (empty: nobody)."""
    return CARD_TRANSITIONS.get((from_status, to_status), frozenset())
