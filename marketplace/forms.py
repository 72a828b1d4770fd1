"""Forms of the marketplace pages (中介超市).

They only shape the input: amounts are typed in yuan and handed to the services in fen,
dates become aware datetimes in the portal's time zone. The services check everything
again and have the last word; their ``ApplicationError`` is shown on the field its code
concerns (:data:`ERROR_FIELDS`), or above the form.
"""

import decimal
from typing import ClassVar

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from applications.constants import Status
from applications.selectors import applications_for_resident
from applications.uploads import ALLOWED_TYPES
from services.selectors import published_items

from . import selectors
from .constants import Grade, RatingScore, SelectionMethod
from .models import QualificationType

# Cases offered in the "linked case" list: the newest ones.
CASE_CHOICES_LIMIT = 50
# The largest amount a page accepts (1 billion yuan): beyond any real intermediary fee.
MAX_YUAN = decimal.Decimal("1000000000")
ACCEPT = ".pdf,.png,.jpg,.jpeg," + ",".join(sorted(ALLOWED_TYPES))

# Which field an ``ApplicationError`` code belongs to, for each form; others go above the form.
ERROR_FIELDS = {
    "title_required": "title",
    "title_too_long": "title",
    "scope_required": "scope",
    "scope_too_long": "scope",
    "budget_invalid": "budget",
    "selection_method_invalid": "selection_method",
    "service_type_inactive": "service_type",
    "quote_deadline_required": "quote_deadline",
    "quote_deadline_too_soon": "quote_deadline",
    "objection_period_invalid": "objection_period_days",
    "grade_invalid": "grade",
    "qualification_type_mismatch": "required_qualification_type",
    "application_not_found": "application",
    "amount_invalid": "amount",
    "over_budget": "amount",
    "note_too_long": "note",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "comment_too_long": "comment",
    "score_invalid": "score",
    "dates_invalid": "end_date",
    "agency_required": "agency",
    "contact_name_required": "contact_name",
    "contact_name_too_long": "contact_name",
    "contact_phone_invalid": "contact_phone",
    "description_too_long": "description",
    "address_too_long": "address",
    "fee_min_invalid": "fee_min",
    "fee_max_invalid": "fee_max",
    "fee_range_invalid": "fee_max",
    "number_required": "number",
    "number_too_long": "number",
    "issuer_too_long": "issuer",
    "certificate_reference_too_long": "certificate_reference",
    "validity_invalid": "valid_until",
    "already_expired": "valid_until",
    "certificate_required": "file",
    # applications.uploads.check_upload
    "too_large": "file",
    "empty": "file",
    "archive": "file",
    "type_not_allowed": "file",
    "polyglot": "file",
    "bad_pdf": "file",
    "pdf_active_content": "file",
    "bad_image": "file",
    "image_too_large": "file",
    "bad_filename": "file",
}


def fen(amount: decimal.Decimal) -> int:
    """Yuan (two decimals at most, checked by the field) to integer fen."""
    return int((amount * 100).to_integral_value())


class YuanField(forms.DecimalField):
    """An amount in yuan with at most two decimals, above zero."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", decimal.Decimal("0.01"))
        kwargs.setdefault("max_value", MAX_YUAN)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class _Form(forms.Form):
    # This form's own names for codes that ERROR_FIELDS puts on a field it calls otherwise.
    error_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_service_error(self, exc) -> None:
        """Show a service's ``ApplicationError`` on its field, or above the form."""
        field = self.error_fields.get(exc.code) or ERROR_FIELDS.get(exc.code)
        self.add_error(field if field in self.fields else None, exc.message)


def _case_label(application) -> str:
    name = application.service_item.display_name if application.service_item_id else application.bundle.display_name
    return f"{application.case_number} {name}"


class PostingForm(_Form):
    """A buyer's new project posting (发布项目), or (``draft=``) the edit of a draft: its buyer stays."""

    error_fields: ClassVar[dict[str, str]] = {"grade_invalid": "required_min_grade"}

    enterprise = forms.ModelChoiceField(label=_("项目业主（发布单位）"), queryset=None, empty_label=None)
    service_type = forms.ModelChoiceField(label=_("中介服务类型"), queryset=None, empty_label=_("请选择"))
    title = forms.CharField(label=_("项目名称"), max_length=200)
    scope = forms.CharField(
        label=_("服务内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明服务范围、成果要求和完成时间。"),
    )
    budget = YuanField(label=_("预算上限（元）"), help_text=_("报价和合同金额都不能超过预算上限。"))
    quote_deadline = forms.DateTimeField(
        label=_("报价截止时间"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    required_qualification_type = forms.ModelChoiceField(
        label=_("资质要求"),
        queryset=QualificationType.objects.all(),
        required=False,
        empty_label=_("按服务类型的默认要求"),
    )
    required_min_grade = forms.TypedChoiceField(
        label=_("最低资质等级"),
        choices=[("", _("按服务类型的默认等级")), *Grade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    selection_method = forms.ChoiceField(
        label=_("选取方式"),
        choices=SelectionMethod.choices,
        widget=forms.RadioSelect,
        help_text=_("随机抽取：发布时即生成随机种子并公布其摘要，选取后公布种子，任何人都可验证抽取结果。"),
    )
    objection_period_days = forms.IntegerField(
        label=_("异议期（天）"), min_value=0, max_value=settings.MARKETPLACE_MAX_OBJECTION_DAYS
    )
    application = forms.ChoiceField(
        label=_("关联办件（选填）"), required=False, error_messages={"invalid_choice": _("未找到该办件。")}
    )
    service_item = forms.CharField(
        label=_("关联审批事项编码（选填）"),
        max_length=64,
        required=False,
        help_text=_("本项目所服务的审批事项，例如建设项目环境影响评价审批。"),
    )

    def __init__(self, *args, user, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["enterprise"].queryset = selectors.buyer_enterprises_for_user(user=user)
        if draft is not None:
            del self.fields["enterprise"]
        self.fields["service_type"].queryset = selectors.service_types()
        self.fields["objection_period_days"].initial = settings.MARKETPLACE_DEFAULT_OBJECTION_DAYS
        self.fields["quote_deadline"].help_text = _("至少在发布后 %(hours)d 小时，截止后报价不能再提交或修改。") % {
            "hours": settings.MARKETPLACE_MIN_QUOTE_HOURS
        }
        cases = list(self._cases()[:CASE_CHOICES_LIMIT])
        self.fields["application"].choices = [("", _("不关联办件"))] + [
            (case.case_number, _case_label(case)) for case in cases
        ]

    def _cases(self):
        return applications_for_resident(user=self.user).exclude(status=Status.DRAFT).filter(case_number__isnull=False)

    def clean_application(self):
        case_number = self.cleaned_data.get("application") or ""
        if not case_number:
            return None
        case = self._cases().filter(case_number=case_number).first()
        if case is None:
            raise forms.ValidationError(_("未找到该办件。"))
        return case

    def clean_service_item(self):
        code = (self.cleaned_data.get("service_item") or "").strip()
        if not code:
            return None
        item = published_items().filter(code=code).first()
        if item is None:
            raise forms.ValidationError(_("未找到该审批事项，请核对事项编码。"))
        return item


class CancelForm(_Form):
    reason = forms.CharField(label=_("取消理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SelectForm(_Form):
    """The buyer's selection: the agency only for a direct choice (the other methods compute it)."""

    agency = forms.ModelChoiceField(label=_("选定的中介机构"), queryset=None, empty_label=_("请选择"))
    comment = forms.CharField(
        label=_("说明（选填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, posting, **kwargs):
        super().__init__(*args, **kwargs)
        if posting.selection_method == SelectionMethod.DIRECT:
            self.fields["agency"].queryset = selectors.direct_choices(posting=posting)
        else:
            del self.fields["agency"]


class ContractForm(_Form):
    amount = YuanField(label=_("合同金额（元）"))
    start_date = forms.DateField(label=_("服务开始日期"), widget=DateInput())
    end_date = forms.DateField(label=_("服务结束日期"), widget=DateInput())
    note = forms.CharField(
        label=_("说明（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliveryForm(_Form):
    note = forms.CharField(
        label=_("交付说明（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(_Form):
    score = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(value, f"{value} · {label}") for value, label in RatingScore.choices],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价内容（选填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuoteForm(_Form):
    amount = YuanField(label=_("报价（元）"))
    note = forms.CharField(
        label=_("服务方案说明（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ObjectionForm(_Form):
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明对选取结果的异议及依据，由监管部门处理。"),
    )


class AgencyRegisterForm(_Form):
    """Register an enterprise as an agency (入驻申请), or update an agency's details."""

    enterprise = forms.ModelChoiceField(label=_("申请入驻的企业"), queryset=None, empty_label=None)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("仅监管部门和选定本机构的项目业主可见。"),
    )
    address = forms.CharField(label=_("办公地址（选填）"), max_length=200, required=False)
    description = forms.CharField(
        label=_("机构简介（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = selectors.buyer_enterprises_for_user(user=user)


class AgencyServiceForm(_Form):
    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=None, empty_label=_("请选择"))
    fee_min = YuanField(label=_("最低收费（元）"))
    fee_max = YuanField(label=_("最高收费（元）"))
    note = forms.CharField(label=_("收费说明（选填）"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = selectors.service_types()


class QualificationForm(_Form):
    qualification_type = forms.ModelChoiceField(
        label=_("资质类型"), queryset=QualificationType.objects.all(), empty_label=_("请选择")
    )
    grade = forms.TypedChoiceField(label=_("资质等级"), choices=Grade.choices, coerce=int)
    number = forms.CharField(label=_("证书编号"), max_length=64)
    issuer = forms.CharField(label=_("发证机关（选填）"), max_length=100, required=False)
    valid_from = forms.DateField(label=_("有效期起"), widget=DateInput())
    valid_until = forms.DateField(label=_("有效期至"), widget=DateInput())
    certificate_reference = forms.CharField(
        label=_("电子证照编号"),
        max_length=100,
        required=False,
        help_text=_("已有电子证照的，填写电子证照编号；否则请上传证书文件。"),
    )
    file = forms.FileField(
        label=_("证书文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF、PNG或JPEG。提交未成功时，需要重新选择文件。"),
    )
