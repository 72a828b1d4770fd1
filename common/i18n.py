"""Names that exist in Chinese and, where the catalogue has it, in English.

A model with ``name`` and ``name_en`` mixes in :class:`EnglishNameMixin`: templates show
``obj.display_name``, which is the English name on English pages when there is one, else the
Chinese name. Code that stores a text now but shows it later in someone else's language (an
outbox message) passes :func:`lazy_display_name`, resolved in that language when rendered.
"""

from django.utils.functional import lazy
from django.utils.translation import get_language


def is_english() -> bool:
    """Whether the active language is English (``en``, ``en-gb`` ...)."""
    return (get_language() or "").split("-")[0] == "en"


def display_name(obj, field: str = "name", *, english: bool | None = None) -> str:
    """``obj.<field>_en`` on English pages when it is filled in, else ``obj.<field>``.

    ``english`` is :func:`is_english`, given by a caller naming many objects on one page so the
    language is read once."""
    if english is None:
        english = is_english()
    if english:
        translated = getattr(obj, f"{field}_en", "")
        if translated:
            return translated
    return getattr(obj, field)


lazy_display_name = lazy(display_name, str)
lazy_display_name.__doc__ = (
    """:func:`display_name`, evaluated only when turned into text (in the language active then)."""
)


class EnglishNameMixin:
    """For models with ``name`` and ``name_en``: ``display_name`` in the page's language."""

    @property
    def display_name(self) -> str:
        return display_name(self)
