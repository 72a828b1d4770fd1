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


# What a user agrees to before each face check (人脸识别单独同意, PIPL arts. 26, 28-29: facial
# information is sensitive personal information and needs a separate consent). Recorded verbatim,
# in the language it was shown in, on the FaceCheck row.
FACE_CONSENT_TEXT = _(
    "人脸识别告知及单独同意：为核验您本人的身份，本次认证将通过摄像头采集您的人脸视频，由人脸识别服务商进行"
    "活体检测，并与公安机关留存的您的身份证照片进行比对。人脸信息属于敏感个人信息。本平台不保存您的人脸图像，"
    "只保存本次认证的流水号、结论、比对分数和时间。本同意仅对本次认证有效。您可以不同意，并选择其他认证方式"
    "（如由家属代办、上门认证或到服务大厅办理），不影响您办理业务。"
)


class FaceConsentForm(forms.Form):
    """The separate, explicit consent before a face check: an unticked box beside the text.

    Embed it in the page that starts the check, then call
    ``face_check_start(consent_given=form.cleaned_data["consent"], consent_text=form.consent_text, ...)``.
    Render ``form.consent_text`` above the box (``identity/includes/face_consent.html`` does both).
    """

    consent = forms.BooleanField(
        label=_("我已阅读上述告知，同意本次人脸识别"),
        required=True,
        initial=False,
        error_messages={"required": _("请先阅读并勾选同意人脸识别告知事项，或选择其他认证方式。")},
    )

    def __init__(self, *args, consent_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._consent_text = consent_text

    @property
    def consent_text(self) -> str:
        """The exact text shown (and so agreed to), in the active language."""
        return str(self._consent_text or FACE_CONSENT_TEXT)
