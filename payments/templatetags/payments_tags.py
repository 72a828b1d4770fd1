from django import template

from ..selectors import order_for_reference

register = template.Library()


@register.inclusion_tag("payments/_fee_box.html", takes_context=True)
def fee_box(context, kind: str, pk):
    """The fee and its "去支付" button for what was ordered as ``kind:pk`` (e.g. a case)."""
    reference = f"{kind}:{pk}"
    user = context["request"].user
    order = order_for_reference(user=user, reference=reference) if user.is_authenticated else None
    return {"order": order, "request": context["request"]}
