"""Where applications meet payments (payments never imports applications).

* A case whose service has a fee gets one payment order when it is accepted
  (受理后缴费), or at submission for the item codes in
  ``settings.PAYMENTS_ORDER_AT_SUBMISSION``: hooks of ``application_transition``.
* Payments reports back through :data:`payments.events.listeners`: once an
  accepted case's fee is paid, the system moves it on to review by itself;
  a case withdrawn or denied after payment is refunded in full by the
  service's rules.

Orders reference their case as ``application:<pk>``.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from payments.constants import PaymentEvent
from payments.events import OrderEvent, PaymentListener, listeners
from payments.services import FeeLine, order_create, refund_for_reference

from .constants import Status

PREFIX = "application:"


def order_reference(application) -> str:
    return f"{PREFIX}{application.pk}"


def _orders_at(application) -> str:
    code = application.service_item.code if application.service_item_id else ""
    return Status.SUBMITTED if code in settings.PAYMENTS_ORDER_AT_SUBMISSION else Status.ACCEPTED


def order_fee(move) -> None:
    """Hook: make the fee's order when the case reaches the point its service pays at."""
    application = move.application
    if not application.service_version_id or _orders_at(application) != move.to_status:
        return
    lines = [
        FeeLine(name=fee.name, amount_fen=fee.amount_fen, legal_basis=fee.legal_basis)
        for fee in application.service_version.fees.all()
    ]
    if sum(line.amount_fen for line in lines) <= 0:
        return
    order_create(
        user=application.applicant,
        subject=application.service_item.name,
        lines=lines,
        reference=order_reference(application),
        item_code=application.service_item.code,
    )


def refund_fee(move) -> None:
    """Hook: a case withdrawn or denied after payment gets its fee back."""
    refund_for_reference(
        reference=order_reference(move.application),
        reason=_("办件%(status)s，费用原路退回") % {"status": Status(move.to_status).label},
    )


class ApplicationPaymentListener(PaymentListener):
    def handle(self, event: OrderEvent) -> None:
        if event.event != PaymentEvent.PAID or not event.reference.startswith(PREFIX):
            return
        from .models import Application
        from .services import application_transition

        application_id = int(event.reference.removeprefix(PREFIX))
        status = Application.objects.filter(pk=application_id).values_list("status", flat=True).first()
        if status == Status.ACCEPTED:
            # Idempotent: a second delivery finds the case already in review.
            application_transition(
                application_id=application_id,
                to_status=Status.IN_REVIEW,
                actor=None,
                comment=_("费用已缴纳，自动进入审查"),
                system=True,
            )


def register_payment_listener() -> None:
    listeners.register("applications", ApplicationPaymentListener())
