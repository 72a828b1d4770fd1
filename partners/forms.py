"""Forms of the partner space and of the officials' decision page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from identity.oauth.scopes import SCOPE_DESCRIPTIONS, all_scope_names

from .models import PartnerStatus


def scope_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}：{SCOPE_DESCRIPTIONS.get(name, name)}") for name in all_scope_names()]


class PartnerApplyForm(forms.Form):
    enterprise = forms.TypedChoiceField(label=_("申请企业"), coerce=int)
    purpose = forms.CharField(
        label=_("接入用途"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("说明贵单位的系统将为居民或企业提供什么服务，以及为什么需要所选的权限范围。"),
    )
    scopes = forms.MultipleChoiceField(label=_("申请的权限范围"), widget=forms.CheckboxSelectMultiple)
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    contact_mobile = forms.CharField(label=_("联系电话"), max_length=20)
    contact_email = forms.EmailField(label=_("联系邮箱"))

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(enterprise.pk, enterprise.name) for enterprise in enterprises]
        self.fields["scopes"].choices = scope_choices()


class PartnerDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核决定"),
        choices=[
            (PartnerStatus.APPROVED, _("批准（或调整批准的权限范围）")),
            (PartnerStatus.REJECTED, _("驳回")),
            (PartnerStatus.SUSPENDED, _("暂停")),
        ],
        widget=forms.RadioSelect,
    )
    approved_scopes = forms.MultipleChoiceField(
        label=_("批准的权限范围"), required=False, widget=forms.CheckboxSelectMultiple
    )
    decision_note = forms.CharField(
        label=_("审核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, requested=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_scopes"].choices = [choice for choice in scope_choices() if choice[0] in requested]
