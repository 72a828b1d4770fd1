from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import ExemptionReason, VisitOutcome


class HomeVisitForm(forms.Form):
    address = forms.CharField(label=_("上门地址"), max_length=200)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    preferred_time = forms.CharField(
        label=_("方便上门的时间（选填）"), max_length=100, required=False, help_text=_("如：工作日上午")
    )


class VisitRecordForm(forms.Form):
    outcome = forms.ChoiceField(label=_("上门结果"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("上门情况"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3}))


class ExemptForm(forms.Form):
    reason = forms.ChoiceField(label=_("豁免原因"), choices=ExemptionReason.choices)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3}))
    proof = forms.FileField(label=_("证明材料（出境居住须上传）"), required=False)


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("名单文件（CSV）"),
        help_text=_("表头：姓名、身份证号码、手机号码、地区代码、养老金账户。UTF-8或GBK编码。"),
    )
