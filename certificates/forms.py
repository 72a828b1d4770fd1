from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import MAX_SHARE_DAYS


class ShareForm(forms.Form):
    partner = forms.ChoiceField(
        label=_("合作机构"),
        required=False,
        help_text=_("选择合作机构时，仅该机构的系统可以通过接口查看；不选则生成授权链接。"),
    )
    recipient = forms.CharField(
        label=_("接收方"), max_length=200, required=False, help_text=_("例如：某某银行天河支行")
    )
    purpose = forms.CharField(label=_("用途"), max_length=200, help_text=_("例如：办理房屋租赁备案"))
    days = forms.IntegerField(label=_("授权天数"), min_value=1, max_value=MAX_SHARE_DAYS, initial=7)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partners = {app.client_id: app.name or app.client_id for app in partners}
        self.fields["partner"].choices = [("", _("（不选：生成授权链接）")), *self.partners.items()]

    def clean(self):
        data = super().clean()
        if not data.get("partner") and not (data.get("recipient") or "").strip():
            self.add_error("recipient", _("请填写接收方，或选择合作机构。"))
        return data

    def recipient_values(self) -> dict:
        client_id = self.cleaned_data.get("partner")
        if client_id:
            return {
                "recipient": self.partners[client_id],
                "recipient_kind": "partner",
                "recipient_client_id": client_id,
            }
        return {"recipient": self.cleaned_data["recipient"], "recipient_kind": "link"}

    def window(self):
        now = timezone.now()
        return now, now + timezone.timedelta(days=self.cleaned_data["days"])


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
