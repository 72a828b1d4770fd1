from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import audit_source, audit_sources


class AuditExportForm(forms.Form):
    source = forms.ChoiceField(label=_("记录类型"))
    date_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期（含）"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("事由"), min_length=4, max_length=300, help_text=_("导出将连同事由、时间和 IP 一并记录。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            (source.label, f"{source.model._meta.verbose_name}（{source.label}）") for source in audit_sources()
        ]
        today = timezone.localdate()
        self.fields["date_from"].initial = today.replace(day=1)
        self.fields["date_to"].initial = today

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"), code="range")
        if cleaned.get("source"):
            cleaned["source"] = audit_source(cleaned["source"])
        return cleaned
