"""Admin for the per-application scope allow-list, registered in ``IdentityConfig.ready()``."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from identity.models import PartnerScopeGrant

from .scopes import PartnerScopes


def _scope_choices():
    return [(name, f"{name} — {description}") for name, description in PartnerScopes().get_all_scopes().items()]


class PartnerScopeGrantForm(forms.ModelForm):
    """Scopes as checkboxes, one per scope in the registry, stored space-separated."""

    scopes = forms.MultipleChoiceField(
        label=_("允许的权限范围"), choices=_scope_choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = PartnerScopeGrant
        fields = ("application", "scopes", "may_introspect")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = self.instance.scopes

    def save(self, commit=True):
        self.instance.allowed_scopes = " ".join(self.cleaned_data["scopes"])
        return super().save(commit=commit)


@admin.register(PartnerScopeGrant)
class PartnerScopeGrantAdmin(admin.ModelAdmin):
    form = PartnerScopeGrantForm
    list_display = ("application", "allowed_scopes", "may_introspect", "updated_at")
    list_filter = ("may_introspect",)
    search_fields = ("application__name", "application__client_id")
    autocomplete_fields = ("application",)
