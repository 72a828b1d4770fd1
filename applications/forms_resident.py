"""Forms for the resident's pages, around the schema-driven :class:`SchemaForm`."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.bundles import application_schema

from .forms import SchemaForm, _label
from .services_resident import PREFILL_REPORT_MAX_LENGTH

# The labels prefill sources carry (applications/prefill.py), as translatable strings.
SOURCE_LABELS = {
    "实名认证信息": _("实名认证信息"),
    "账户手机号码": _("账户手机号码"),
    "账户邮箱": _("账户邮箱"),
    "企业登记信息": _("企业登记信息"),
    "企业登记信息（沙箱）": _("企业登记信息（沙箱）"),
    "户籍信息": _("户籍信息"),
    "户籍信息（沙箱）": _("户籍信息（沙箱）"),
    "账户中保存的银行账户": _("账户中保存的银行账户"),
    "您上次申请时填写": _("您上次申请时填写"),
    "电子证照": _("电子证照"),
}


def source_label(source: dict) -> str:
    label = source.get("label", "")
    return str(SOURCE_LABELS.get(label, label))


def source_date(source: dict) -> datetime.date | None:
    try:
        at = datetime.datetime.fromisoformat(source.get("at", ""))
    except (TypeError, ValueError):
        return None
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def source_note(source: dict) -> str:
    """“来自：实名认证信息，2026-11-28 更新”, plus whether the value is locked."""
    at = source_date(source)
    note = gettext("来自：%(label)s，%(date)s 更新") % {
        "label": source_label(source),
        "date": at.isoformat() if at else "—",
    }
    if source.get("locked"):
        note += gettext("（权威来源，不可修改）")
    return note


def application_form(application, data=None) -> SchemaForm:
    """The schema form of a draft; each prefilled field names its source and freshness in its help text,
    which Django ties to the input with ``aria-describedby``."""
    form = SchemaForm(
        data,
        schema=application_schema(application),
        field_sources=application.field_sources,
        initial=application.form_data,
    )
    for name, field in form.fields.items():
        source = application.field_sources.get(name)
        if source:
            parts = [escape(field.help_text)] if field.help_text else []
            parts.append(f'<span class="prefill-source">{escape(source_note(source))}</span>')
            field.help_text = mark_safe(" ".join(parts))  # noqa: S308  (every part is escaped above)
    return form


def prefill_summary(application, form: SchemaForm) -> dict:
    """How many of the form's fields were filled in from what is held (“已为您自动填写 9/12 项”)."""
    sources = application.field_sources
    names = list(form.fields)
    return {
        "filled": sum(1 for name in names if name in sources),
        "locked": sum(1 for name in names if sources.get(name, {}).get("locked")),
        "total": len(names),
    }


def review_rows(application, form: SchemaForm) -> list[dict]:
    """The answers as the review screen lists them: label, value as shown, and where it came from."""
    rows = []
    for name, field in form.fields.items():
        value = application.form_data.get(name)
        source = application.field_sources.get(name)
        rows.append(
            {
                "name": name,
                "label": field.label,
                "value": "" if value in (None, "") else value,
                "note": source_note(source) if source else "",
            }
        )
    return rows


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def draft_values(form: SchemaForm) -> dict:
    """What the resident typed, for a draft: valid values cleaned, invalid ones kept as typed
    (the draft must not lose them; submission validates). Locked fields are left out."""
    form.is_valid()
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        if name in form.cleaned_data:
            value = _json_value(form.cleaned_data[name])
        else:
            value = (form.data.get(form.add_prefix(name)) or "").strip()
        if value not in (None, ""):
            data[name] = value
    return data


def schema_error_message(message: str) -> str:
    """A resident-facing text for a JSON Schema error message."""
    if "required property" in message:
        return gettext("请填写此项。")
    if "does not match" in message:
        return gettext("格式不正确，请检查。")
    if "is too long" in message:
        return gettext("内容过长。")
    return gettext("填写有误，请检查。")


class PrefillReportForm(forms.Form):
    field = forms.ChoiceField(label=_("有误的信息"))
    message = forms.CharField(
        label=_("哪里有误？"),
        max_length=PREFILL_REPORT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：姓名中的生僻字显示不正确。我们会核实后更正来源数据。"),
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        properties = application_schema(application).get("properties", {})
        self.fields["field"].choices = [
            (name, _label(properties.get(name, {}), name)) for name in application.field_sources
        ]
        self.auto_id = "report_%s"


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（选填）"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=_("我确认撤回此申请，撤回后办理结束"))
