"""Admin for enterprises, mandates, family proxies and acting records.

The USCC is shown masked only; officials find an enterprise by its full USCC
through the blind index (the ciphertext cannot be searched). Acting records
are append-only evidence, so the admin can read them and nothing more.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import DigestSearchMixin, ReadOnlyAdmin
from .models import ActingRecord, Enterprise, Mandate, ProxyAuthorisation
from .personal_data import uscc_digest


@admin.register(Enterprise)
class EnterpriseAdmin(DigestSearchMixin, admin.ModelAdmin):
    digest_field = "uscc_digest"
    digest_of = staticmethod(uscc_digest)

    list_display = ("name", "uscc_masked", "legal_representative", "created_at")
    list_select_related = ("legal_representative",)
    search_fields = ("name",)
    search_help_text = _("按企业名称，或输入完整的18位统一社会信用代码精确查找。")
    # The encrypted column is ``editable=False`` and never listed: only the masked form is shown.
    fields = ("name", "uscc_masked", "legal_representative", "created_at", "updated_at")
    readonly_fields = ("uscc_masked", "legal_representative", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        # Enterprises are registered by their legal representative through the service,
        # which validates the USCC and fills the encrypted, digest and masked columns.
        return False


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "agent", "all_services", "service_codes", "valid_until", "revoked_at", "granted_by")
    list_select_related = ("enterprise", "agent", "granted_by")
    list_filter = ("all_services", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("enterprise__name", "agent__username", "agent__display_name")
    readonly_fields = (
        "enterprise",
        "agent",
        "service_codes",
        "all_services",
        "valid_until",
        "granted_by",
        "revoked_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        # Granted by the legal representative on the enterprise's pages, never by an official.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked mandates are kept: they explain past acting records.
        return False


@admin.register(ProxyAuthorisation)
class ProxyAuthorisationAdmin(MandateAdmin):
    list_display = ("principal", "proxy", "relationship", "all_services", "service_codes", "valid_until", "revoked_at")
    list_select_related = ("principal", "proxy")
    search_fields = ("principal__username", "principal__display_name", "proxy__username", "proxy__display_name")
    readonly_fields = (
        "principal",
        "proxy",
        "relationship",
        "service_codes",
        "all_services",
        "valid_until",
        "revoked_at",
        "created_at",
        "updated_at",
    )


@admin.register(ActingRecord)
class ActingRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "principal_enterprise", "principal_user", "action", "service_code")
    list_select_related = ("actor", "principal_enterprise", "principal_user")
    list_filter = ("action",)
    search_fields = ("action", "service_code", "object_reference", "principal_enterprise__name", "actor__username")
    date_hierarchy = "created_at"
