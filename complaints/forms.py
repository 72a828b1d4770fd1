from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import Level, Tag
from .services import COMMENT_MAX_LENGTH


class EvaluationForm(forms.Form):
    """One stage's rating; the stage itself is posted as ``stage`` and prefixes the fields."""

    level = forms.TypedChoiceField(
        label=_("您对本次服务的评价"), choices=Level.choices, coerce=int, widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label=_("评价标签（可多选）"), choices=Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("意见建议（选填）"), max_length=COMMENT_MAX_LENGTH, required=False, widget=forms.Textarea({"rows": 3})
    )
