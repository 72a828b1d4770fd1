from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import MAX_SHARE_DAYS


class ShareForm(forms.Form):
    recipient = forms.CharField(label=_("接收方"), max_length=200, help_text=_("例如：某某银行天河支行"))
    purpose = forms.CharField(label=_("用途"), max_length=200, help_text=_("例如：办理房屋租赁备案"))
    days = forms.IntegerField(label=_("授权天数"), min_value=1, max_value=MAX_SHARE_DAYS, initial=7)

    def window(self):
        now = timezone.now()
        return now, now + timezone.timedelta(days=self.cleaned_data["days"])


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
