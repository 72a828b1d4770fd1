from django import template

from common.money import yuan

register = template.Library()

# Integer fen as yuan with two decimals: 12000 → 120.00.
register.filter("yuan", yuan)


@register.filter
def stars(average) -> str:
    """A rating average as one decimal ("4.5"), or "" without ratings."""
    return "" if average is None else f"{average:.1f}"
