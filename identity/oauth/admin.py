"""Admin for the per-application scope allow-list, registered in ``IdentityConfig.ready()``."""

from django.contrib import admin

from identity.models import PartnerScopeGrant


@admin.register(PartnerScopeGrant)
class PartnerScopeGrantAdmin(admin.ModelAdmin):
    list_display = ("application", "allowed_scopes", "updated_at")
    search_fields = ("application__name", "application__client_id")
    autocomplete_fields = ("application",)
