from django import forms
from django.contrib import admin

from identity.personal_data import id_number_columns
from identity.validators import normalize_id_number

from .models import SandboxAssistanceRecord


class SandboxAssistanceRecordForm(forms.ModelForm):
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False, help_text="仅保存索引与掩码")

    class Meta:
        model = SandboxAssistanceRecord
        fields = ("name", "category", "certificate_no", "valid_until")

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value and self.instance.pk is None:
            raise forms.ValidationError("请填写身份证号码。")
        return normalize_id_number(value) if value else ""

    def save(self, commit=True):
        if self.cleaned_data.get("id_number"):
            columns = id_number_columns(self.cleaned_data["id_number"])
            self.instance.id_number_digest = columns["id_number_digest"]
            self.instance.id_number_masked = columns["id_number_masked"]
        return super().save(commit)


@admin.register(SandboxAssistanceRecord)
class SandboxAssistanceRecordAdmin(admin.ModelAdmin):
    """The SANDBOX civil-affairs registry (who fee exemptions find); demo data only."""

    form = SandboxAssistanceRecordForm
    list_display = ("name", "id_number_masked", "category", "certificate_no", "valid_until")
    list_filter = ("category",)
    search_fields = ("name", "certificate_no")
