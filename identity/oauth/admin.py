"""Admin for the per-application scope allow-list and partner clients, registered in ``IdentityConfig.ready()``."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from identity.admin_base import ReadOnlyAdmin
from identity.models import OAuthClientEvent, OAuthClientKey, OAuthClientProfile, OAuthClientSecret, PartnerScopeGrant

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


# Partner clients are changed through identity/oauth/clients.py (the partner space), which records
# each change; the admin shows them and never changes them behind the record's back.
@admin.register(OAuthClientProfile)
class OAuthClientProfileAdmin(ReadOnlyAdmin):
    list_display = ("application", "auth_method", "updated_at")
    list_filter = ("auth_method",)
    search_fields = ("application__name", "application__client_id")


@admin.register(OAuthClientKey)
class OAuthClientKeyAdmin(ReadOnlyAdmin):
    list_display = ("application", "kid", "kty", "thumbprint", "created_at", "revoked_at")
    list_filter = ("kty",)
    search_fields = ("application__name", "application__client_id", "kid", "thumbprint")


@admin.register(OAuthClientSecret)
class OAuthClientSecretAdmin(ReadOnlyAdmin):
    list_display = ("application", "created_at", "expires_at")
    search_fields = ("application__name", "application__client_id")
    exclude = ("secret_hash",)


@admin.register(OAuthClientEvent)
class OAuthClientEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "client_id", "action", "actor", "summary")
    list_filter = ("action",)
    search_fields = ("client_id", "summary")
    list_select_related = ("actor",)
