from django import template

from common.money import yuan
from services.constants import FeeOrderPoint

from ..selectors import fee_order_point, order_for_reference
from ..services import fee_lines_for_version, fee_lines_waived

register = template.Library()


@register.inclusion_tag("payments/_fee_box.html", takes_context=True)
def fee_box(context, kind: str, pk):
    """The fee and its "去支付" button for what was ordered as ``kind:pk`` (e.g. a case)."""
    reference = f"{kind}:{pk}"
    user = context["request"].user
    order = order_for_reference(user=user, reference=reference) if user.is_authenticated else None
    return {"order": order, "request": context["request"]}


@register.inclusion_tag("payments/_fee_preview.html")
def fee_preview(version, payer):
    """What the applicant will pay for ``version`` before ordering: each fee, waived ones at zero
    with their basis (``payer``: whose exemptions count; None for an enterprise)."""
    if version is None:
        return {"lines": []}
    lines = fee_lines_for_version(version=version, payer=payer)
    return {
        "lines": lines,
        "total_yuan": yuan(sum(line.amount_fen for line in lines)),
        "exempt": fee_lines_waived(lines),
        "at_submission": fee_order_point(version) == FeeOrderPoint.SUBMISSION,
    }
