from django import template
from django.conf import settings

from common.i18n import display_name
from common.money import yuan

register = template.Library()


@register.filter
def localized_name(obj) -> str:
    """The object's English name on English pages when it has one, else its Chinese name."""
    return display_name(obj)


# Integer fen as yuan with two decimals: 12000 → 120.00.
register.filter("yuan", yuan)


@register.simple_tag
def apply_url(code: str) -> str:
    """Where "apply online" leads; the applications app serves this URL."""
    return settings.CATALOGUE_APPLY_URL.format(code=code)
