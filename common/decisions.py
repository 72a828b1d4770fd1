"""Decision listeners: apps below applications hear that a case was approved.

Applications (layer 4) calls :func:`decision_announce` inside the approval
transaction with the case as plain values (:class:`CaseDecision`); apps that
must act on an approval, such as certificates issuing the certificate the
item produces, register a :class:`DecisionListener` in
:data:`decision_listeners` (a :class:`common.plugins.Registry`) from their
``AppConfig.ready()``. Neither imports the other.

A listener runs in the approval's transaction: if it fails, the approval is
not kept. It must be idempotent, since an approval may be announced again
(a retry, a repair command).
"""

import datetime
from dataclasses import dataclass, field

from common.plugins import Registry


@dataclass(frozen=True)
class CaseDecision:
    case_number: str
    service_code: str
    status: str
    applicant_id: int
    enterprise_id: int | None
    department_code: str
    decided_at: datetime.datetime
    form_data: dict = field(default_factory=dict)
    # The person the case is for when it is not the applicant (a family proxy applied for them).
    principal_user_id: int | None = None


class DecisionListener:
    """The contract: :meth:`case_decided` is called once per decision (maybe again on a retry)."""

    def __init__(self, identifier: str):
        self.identifier = identifier

    def case_decided(self, decision: CaseDecision) -> None:
        raise NotImplementedError


decision_listeners = Registry[DecisionListener]("decision listener")


def decision_announce(decision: CaseDecision) -> None:
    for _identifier, listener in decision_listeners.items():
        listener.case_decided(decision)
