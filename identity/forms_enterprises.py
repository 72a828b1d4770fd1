"""Forms for the enterprise, mandate and family-proxy pages.

They only shape input; the rules live in ``identity.services.enterprises``,
whose ``ApplicationError`` the views attach to the named field.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import normalize_uscc

RELATIONSHIP_CHOICES = [
    ("", _("请选择")),
    ("配偶", _("配偶")),
    ("子女", _("子女")),
    ("父母", _("父母")),
    ("兄弟姐妹", _("兄弟姐妹")),
    ("祖父母外祖父母", _("祖父母、外祖父母")),
    ("孙子女外孙子女", _("孙子女、外孙子女")),
    ("其他亲属", _("其他亲属")),
]


def end_of_day(date: datetime.date) -> datetime.datetime:
    """The last second of ``date`` in the current time zone (Asia/Shanghai), aware."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(23, 59, 59)))


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        # Chinese labels take no trailing ASCII colon; the layout puts the label above its input.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EnterpriseRegistrationForm(_Form):
    name = forms.CharField(
        label=_("企业名称"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18位，见营业执照。字母不含I、O、Z、S、V。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
    )

    def clean_uscc(self) -> str:
        # Checked here too so the resident sees the checksum message next to the field at once.
        try:
            return normalize_uscc(self.cleaned_data["uscc"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code=exc.code) from None


class EnterpriseDisputeForm(_Form):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("被他人登记的企业的统一社会信用代码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
    )
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=2000,
        help_text=_("请说明您与该企业的关系，以及可以提供的证明材料（如营业执照、登记机关出具的证明）。"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_uscc(self) -> str:
        try:
            return normalize_uscc(self.cleaned_data["uscc"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code=exc.code) from None


class _GrantForm(_Form):
    """What a mandate and a proxy authorisation share: scope and validity."""

    all_services = forms.BooleanField(label=_("全部事项"), required=False)
    service_codes = forms.CharField(
        label=_("可办理的事项编码"),
        required=False,
        max_length=2000,
        help_text=_("多个编码用逗号分隔，例如 SCJG-001, SCJG-002。选择“全部事项”时可不填。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    valid_until = forms.DateField(
        label=_("有效期至"),
        help_text=_("授权在该日24时前有效。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_valid_until(self) -> datetime.date:
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise ValidationError(_("有效期不能早于今天。"), code="valid_until_past")
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_services") and not (cleaned.get("service_codes") or "").strip():
            self.add_error("service_codes", _("请填写可办理的事项编码，或选择“全部事项”。"))
        return cleaned


class MandateGrantForm(_GrantForm):
    agent_mobile = forms.CharField(
        label=_("经办人手机号码"),
        max_length=20,
        help_text=_("经办人须已注册通办账号。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    field_order = ("agent_mobile", "all_services", "service_codes", "valid_until")


class ProxyGrantForm(_GrantForm):
    proxy_mobile = forms.CharField(
        label=_("代办人手机号码"),
        max_length=20,
        help_text=_("代办人须已注册通办账号。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    relationship = forms.ChoiceField(label=_("与您的关系"), choices=RELATIONSHIP_CHOICES)
    field_order = ("proxy_mobile", "relationship", "all_services", "service_codes", "valid_until")
