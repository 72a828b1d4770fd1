"""Forms for the resident's inquiry pages (咨询投诉).

The forms only shape the input; :func:`complaints.services_inquiries.inquiry_submit`
checks it again and has the last word (its ``ApplicationError`` is shown on the
field it concerns, see :data:`ERROR_FIELDS`).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.constants import Status
from applications.selectors import applications_for_resident
from applications.uploads import ALLOWED_TYPES
from identity.selectors_enterprises import enterprises_for_user
from services.models import Department
from services.selectors import published_items

from .constants import Kind
from .models import InquiryCategory
from .selectors_inquiries import region_choices
from .services_inquiries import CONTENT_MAX_LENGTH, NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH

# Cases offered in the "which case" list: the newest ones (a prefilled older one is added).
CASE_CHOICES_LIMIT = 50
ACCEPT = ".pdf,.png,.jpg,.jpeg," + ",".join(sorted(ALLOWED_TYPES))

# Which field an ``ApplicationError`` code from the service belongs to; others are shown above the form.
ERROR_FIELDS = {
    "invalid_kind": "kind",
    "subject_required": "subject",
    "subject_too_long": "subject",
    "content_required": "content",
    "content_too_long": "content",
    "anonymous_not_allowed": "anonymous",
    "invalid_phone": "contact_phone",
    "enterprise_not_allowed": "enterprise",
    "application_not_found": "case",
    "too_many_attachments": "attachments",
    # applications.uploads.check_upload
    "too_large": "attachments",
    "empty": "attachments",
    "archive": "attachments",
    "type_not_allowed": "attachments",
    "polyglot": "attachments",
    "bad_pdf": "attachments",
    "pdf_active_content": "attachments",
    "bad_image": "attachments",
    "image_too_large": "attachments",
    "bad_filename": "attachments",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the list is checked by the service (type, content, count)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(upload, initial) for upload in files]


def _case_label(application) -> str:
    name = application.service_item.display_name if application.service_item_id else application.bundle.display_name
    return f"{application.case_number} {name}"


class InquiryForm(forms.Form):
    """A signed-in resident's submission. ``anonymous_only`` makes it the anonymous report form:
    the kind is fixed to a report and nothing that names the reporter is asked."""

    kind = forms.ChoiceField(label=_("诉求类型"), choices=Kind.choices, widget=forms.RadioSelect)
    category = forms.ModelChoiceField(
        label=_("诉求分类"), queryset=InquiryCategory.objects.none(), required=False, empty_label=_("不确定")
    )
    subject = forms.CharField(label=_("标题"), max_length=SUBJECT_MAX_LENGTH, help_text=_("用一句话概括您的诉求。"))
    content = forms.CharField(
        label=_("具体内容"),
        max_length=CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明时间、地点、经过和您的诉求，不超过2000字。"),
    )
    item = forms.CharField(widget=forms.HiddenInput, required=False)
    case = forms.ChoiceField(
        label=_("涉及的办件（选填）"), required=False, error_messages={"invalid_choice": _("未找到该办件。")}
    )
    department = forms.ModelChoiceField(
        label=_("涉及的部门（选填）"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("不确定"),
    )
    region = forms.ChoiceField(
        label=_("所在地区"),
        required=False,
        help_text=_("未选择事项、办件或部门时，按地区分派给当地部门。"),
    )
    enterprise = forms.ModelChoiceField(
        label=_("以企业名义提交（选填）"),
        queryset=None,
        required=False,
        empty_label=_("以个人名义提交"),
    )
    contact_phone = forms.CharField(
        label=_("联系电话（选填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("办理部门可能通过此号码联系您。"),
    )
    anonymous = forms.BooleanField(
        label=_("匿名举报"),
        required=False,
        help_text=_("仅限举报：不保存您的账户、企业和联系电话，只能凭受理编号和查询码查询进度。"),
    )
    attachments = MultipleFileField(label=_("附件（选填）"), required=False)

    def __init__(self, *args, user=None, anonymous_only: bool = False, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.anonymous_only = anonymous_only
        self.fields["category"].queryset = InquiryCategory.objects.filter(active=True)
        if not self.fields["category"].queryset.exists():
            del self.fields["category"]  # nothing to choose from
        self.fields["department"].queryset = Department.objects.order_by("region_code", "code")
        self.fields["region"].choices = [("", _("不确定")), *region_choices()]
        self.fields["attachments"].help_text = gettext(
            "最多%(max)d个，PDF、PNG或JPEG。提交未成功时，需要重新选择附件。"
        ) % {"max": settings.INQUIRY_MAX_ATTACHMENTS}
        if anonymous_only:
            for name in ("kind", "case", "enterprise", "contact_phone", "anonymous", "item"):
                del self.fields[name]
            return
        self.fields["enterprise"].queryset = enterprises_for_user(user=user)
        cases = list(self._cases()[:CASE_CHOICES_LIMIT])
        prefilled = (self.initial.get("case") or "").strip()
        if prefilled and prefilled not in {case.case_number for case in cases}:
            extra = self._cases().filter(case_number=prefilled).first()
            if extra is not None:
                cases.append(extra)
        self.fields["case"].choices = [("", _("不涉及具体办件"))] + [
            (case.case_number, _case_label(case)) for case in cases
        ]
        if not self.fields["enterprise"].queryset.exists():
            del self.fields["enterprise"]

    def _cases(self):
        """Cases the resident may view, submitted ones only (a draft has no case number)."""
        return applications_for_resident(user=self.user).exclude(status=Status.DRAFT).filter(case_number__isnull=False)

    def clean_item(self):
        code = (self.cleaned_data.get("item") or "").strip()
        if not code:
            return None
        item = published_items().select_related("department").filter(code=code).first()
        if item is None:
            raise forms.ValidationError(_("未找到该事项。"))
        return item

    def clean_case(self):
        case_number = self.cleaned_data.get("case") or ""
        if not case_number:
            return None
        case = self._cases().filter(case_number=case_number).first()
        if case is None:
            raise forms.ValidationError(_("未找到该办件。"))
        return case


class _NoSuffixForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReopenForm(_NoSuffixForm):
    reason = forms.CharField(
        label=_("不满意的原因"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("请说明答复哪里没有解决您的问题。"),
    )


class TrackForm(_NoSuffixForm):
    reference = forms.CharField(
        label=_("受理编号"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    query_code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
