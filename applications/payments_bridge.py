"""Where applications meet payments (payments never imports applications).

* A case whose service has a fee gets one payment order at the point its guide
  version names (``fee_order_point``: at submission, or once accepted); a version
  that leaves it blank follows the deployment's default, at submission for the
  item codes in ``settings.PAYMENTS_ORDER_AT_SUBMISSION``, else once accepted.
  Hooks of ``application_transition``.
* A fee is waived for the person the case is for when a trusted source attests
  an exempt category (``payments.exemptions``); a case whose every fee is waived
  gets a zero-fee, exempt record showing the basis.
* Payments reports back through :data:`payments.events.listeners`: once an
  accepted case's fee is paid, the system moves it on to review by itself;
  a case withdrawn or denied after payment is refunded in full by the
  service's rules.

Orders reference their case as ``application:<pk>``.
"""

from django.utils.translation import gettext as _

from payments.constants import PaymentEvent
from payments.events import OrderEvent, PaymentListener, listeners
from payments.selectors import fee_order_point
from payments.services import fee_lines_for_version, fee_lines_waived, order_create, refund_for_reference
from services.constants import FeeOrderPoint

from .constants import Status

PREFIX = "application:"


def order_reference(application) -> str:
    return f"{PREFIX}{application.pk}"


_STATUS_FOR_POINT = {FeeOrderPoint.SUBMISSION: Status.SUBMITTED, FeeOrderPoint.ACCEPTANCE: Status.ACCEPTED}


def fee_payer(application):
    """Whose exemptions count: the person the case is for (none for an enterprise's case)."""
    if application.enterprise_id:
        return None
    return application.principal_user or application.applicant


def order_fee(move) -> None:
    """Hook: make the fee's order when the case reaches the point its service pays at."""
    application = move.application
    version = application.service_version
    if version is None:
        return
    item_code = application.service_item.code if application.service_item_id else None
    if _STATUS_FOR_POINT[fee_order_point(version, item_code=item_code)] != move.to_status:
        return
    lines = fee_lines_for_version(version=version, payer=fee_payer(application))
    if sum(line.amount_fen for line in lines) <= 0 and not fee_lines_waived(lines):
        return  # free by the catalogue: nothing to record
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
