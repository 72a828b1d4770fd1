"""Forms of the partner space and of the officials' decision page."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from identity.oauth.scopes import SCOPE_DESCRIPTIONS, all_scope_names

from .models import PartnerStatus


def scope_choices() -> list[tuple[str, str]]:
    label = _("%(scope)s：%(description)s")
    return [
        (name, label % {"scope": name, "description": SCOPE_DESCRIPTIONS.get(name, name)}) for name in all_scope_names()
    ]


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


GRANT_TYPES = [
    ("authorization-code", _("授权码 + PKCE（居民登录授权，居民令牌）")),
    ("client-credentials", _("客户端凭据（合作方系统本身，客户端令牌）")),
]
AUTH_METHODS = [
    ("private_key_jwt", _("私钥签名 JWT（private_key_jwt，推荐：平台只保存公钥）")),
    ("client_secret_basic", _("客户端密钥（HTTP Basic）")),
    ("client_secret_post", _("客户端密钥（请求体）")),
]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ClientCreateForm(forms.Form):
    name = forms.CharField(label=_("应用名称"), max_length=100)
    environment = forms.ChoiceField(label=_("环境"), widget=forms.RadioSelect)
    grant_type = forms.ChoiceField(label=_("授权方式"), choices=GRANT_TYPES, widget=forms.RadioSelect)
    auth_method = forms.ChoiceField(
        label=_("客户端认证方式"), choices=AUTH_METHODS, initial="private_key_jwt", widget=forms.RadioSelect
    )
    redirect_uris = forms.CharField(
        label=_("回调地址"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个，逐字精确匹配；只允许 https，本机回环地址可用 http。授权码方式必填。"),
    )

    def __init__(self, *args, environments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = list(environments)

    def clean_redirect_uris(self) -> list[str]:
        return _lines(self.cleaned_data["redirect_uris"])


class RedirectUrisForm(forms.Form):
    redirect_uris = forms.CharField(
        label=_("回调地址"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个，逐字精确匹配；只允许 https，本机回环地址可用 http。"),
    )

    def clean_redirect_uris(self) -> list[str]:
        return _lines(self.cleaned_data["redirect_uris"])


class PublicKeyForm(forms.Form):
    public_jwk = forms.CharField(
        label=_("公钥（JWK，JSON 格式）"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("RSA（至少 2048 位）、EC P-256 或 Ed25519 的公钥；不要粘贴私钥。"),
    )

    def clean_public_jwk(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["public_jwk"])
        except ValueError:
            raise forms.ValidationError(_("不是有效的 JSON。")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("请粘贴一个 JWK 对象（以 { 开头）。"))
        return value
