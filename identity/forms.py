from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .constants import SmsPurpose
from .validators import normalize_id_number, normalize_mobile


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        return normalize_mobile(super().clean(value))


class SmsCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("短信验证码"))
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"})


class SendSmsCodeForm(forms.Form):
    mobile = MobileField()
    purpose = forms.ChoiceField(choices=SmsPurpose.choices, widget=forms.HiddenInput)


class RegisterForm(forms.Form):
    mobile = MobileField()
    sms_code = SmsCodeField()
    password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不能全是数字，不能与手机号相似。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("手机号码或用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SmsLoginForm(forms.Form):
    mobile = MobileField()
    sms_code = SmsCodeField()


class TotpForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
        help_text=_("打开身份验证器应用，输入显示的6位数字。"),
    )


class NonEchoingTextInput(forms.TextInput):
    """A text input that never renders its value back: a full ID number is not
    written into any page, even the resident's own form after an error."""

    def format_value(self, value):
        return None


class VerifyIdentityForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=18,
        min_length=15,
        widget=NonEchoingTextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18位号码，最后一位可能是X。出错时需要重新输入。"),
    )

    def clean_id_number(self):
        try:
            return normalize_id_number(self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None
