from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import DeliveryStatus, WebhookEventType


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        help_text=_("须为 https 地址；我们以 POST 发送 JSON，并在 Tongban-Signature 请求头中签名。"),
    )
    event_types = forms.MultipleChoiceField(
        label=_("事件类型"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )


class SubscriptionEditForm(SubscriptionForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *DeliveryStatus.choices], required=False)
    event_type = forms.ChoiceField(
        label=_("事件类型"), choices=[("", _("全部")), *WebhookEventType.choices], required=False
    )
