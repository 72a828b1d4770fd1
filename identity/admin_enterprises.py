"""Admin for enterprises, their verification and disputes, mandates, family
proxies and acting records.

The USCC is shown masked only; officials find an enterprise by its full USCC
through the blind index (the ciphertext cannot be searched). Acting records
and enterprise registration records are append-only evidence, so the admin
can read them and nothing more. Disputes are decided here, through the
service, which transfers the registration when a dispute is upheld.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.exceptions import ApplicationError

from .admin_base import DigestSearchMixin, ReadOnlyAdmin
from .models import (
    ActingRecord,
    DisputeStatus,
    Enterprise,
    EnterpriseDispute,
    EnterpriseEvent,
    Mandate,
    ProxyAuthorisation,
    SandboxEnterprise,
)
from .personal_data import id_number_columns, uscc_columns, uscc_digest
from .services.enterprises import enterprise_dispute_decide
from .validators import normalize_id_number, normalize_uscc


@admin.register(Enterprise)
class EnterpriseAdmin(DigestSearchMixin, admin.ModelAdmin):
    digest_field = "uscc_digest"
    digest_of = staticmethod(uscc_digest)

    list_display = ("name", "uscc_masked", "legal_representative", "status", "verified_at", "created_at")
    list_select_related = ("legal_representative",)
    list_filter = ("status",)
    search_fields = ("name",)
    search_help_text = _("按企业名称，或输入完整的18位统一社会信用代码精确查找。")
    # The encrypted column is ``editable=False`` and never listed: only the masked form is shown.
    # Nothing about the registration is edited here: it changes through verification or a dispute.
    fields = (
        "name",
        "uscc_masked",
        "legal_representative",
        "status",
        "verified_at",
        "verification_provider",
        "verification_reference",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
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


class SandboxEnterpriseForm(forms.ModelForm):
    uscc_input = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    representative_id_number_input = forms.CharField(label=_("法定代表人身份证号码"), max_length=18)

    class Meta:
        model = SandboxEnterprise
        fields = (
            "name",
            "representative_name",
            "enterprise_type",
            "registered_address",
            "registered_capital",
            "business_scope",
            "note",
        )

    def clean_uscc_input(self):
        try:
            return normalize_uscc(self.cleaned_data["uscc_input"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None

    def clean_representative_id_number_input(self):
        try:
            return normalize_id_number(self.cleaned_data["representative_id_number_input"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None

    def save(self, commit=True):
        for attribute, value in uscc_columns(self.cleaned_data["uscc_input"]).items():
            setattr(self.instance, attribute, value)
        person = id_number_columns(self.cleaned_data["representative_id_number_input"])
        self.instance.representative_id_number = person["id_number"]
        self.instance.representative_id_number_digest = person["id_number_digest"]
        self.instance.representative_id_number_masked = person["id_number_masked"]
        return super().save(commit)


@admin.register(SandboxEnterprise)
class SandboxEnterpriseAdmin(DigestSearchMixin, admin.ModelAdmin):
    """Demo enterprises for the sandbox enterprise verifier: never real companies."""

    digest_field = "uscc_digest"
    digest_of = staticmethod(uscc_digest)
    form = SandboxEnterpriseForm
    list_display = ("name", "uscc_masked", "representative_name", "representative_id_number_masked", "note")
    search_fields = ("name", "representative_name")


@admin.register(EnterpriseEvent)
class EnterpriseEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "uscc_masked", "enterprise", "action", "actor", "from_holder", "to_holder", "outcome")
    list_select_related = ("enterprise", "actor", "from_holder", "to_holder")
    list_filter = ("action", "provider")
    search_fields = ("uscc_masked", "enterprise__name", "actor__username", "reason")
    date_hierarchy = "created_at"


class DisputeDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("处理结论"),
        choices=[
            ("", "---------"),
            (DisputeStatus.UPHELD, _("异议成立：将企业登记转给异议人，并终止全部经办人授权")),
            (DisputeStatus.REJECTED, _("异议不成立：维持现登记")),
        ],
    )

    class Meta:
        model = EnterpriseDispute
        fields = ("decision_note",)

    def clean_decision_note(self):
        note = (self.cleaned_data.get("decision_note") or "").strip()
        if not note:
            raise ValidationError(_("请填写处理意见。"))
        return note


@admin.register(EnterpriseDispute)
class EnterpriseDisputeAdmin(admin.ModelAdmin):
    """Officials decide disputes here; the decision goes through the service and is recorded."""

    list_display = ("created_at", "enterprise", "disputant", "holder", "status", "decided_by", "decided_at")
    list_select_related = ("enterprise", "disputant", "holder", "decided_by")
    list_filter = ("status",)
    search_fields = ("enterprise__name", "disputant__username", "holder__username")
    readonly_fields = (
        "enterprise",
        "disputant",
        "holder",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # filed by residents on the portal

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # evidence

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.status == DisputeStatus.OPEN:
            kwargs["form"] = DisputeDecisionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != DisputeStatus.OPEN:
            return (*self.readonly_fields, "decision_note")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision") if hasattr(form, "cleaned_data") else None
        if not decision:
            return
        try:
            enterprise_dispute_decide(
                dispute=obj,
                official=request.user,
                uphold=decision == DisputeStatus.UPHELD,
                note=form.cleaned_data["decision_note"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
