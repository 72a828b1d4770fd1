"""Admin: certificate types (platform administrators), issued certificates (officials of the
issuing department revoke with a reason and supersede), signing keys (read-only)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.admin import ShownRelationsJoinedMixin
from common.exceptions import ApplicationError
from identity.admin_base import ReadOnlyAdmin

from .forms import RevokeForm
from .models import Certificate, CertificateTransition, CertificateType, DocumentSigningCredential, SigningKey
from .services import certificate_revoke, certificate_supersede


@admin.register(CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "holder_kind", "validity_days")
    list_select_related = ("department",)
    search_fields = ("code", "name")


class TransitionInline(ShownRelationsJoinedMixin, admin.TabularInline):
    model = CertificateTransition
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _department_ids(user) -> list[int]:
    # The officials' department memberships, read through the user (no import of applications).
    return list(user.department_roles.values_list("department_id", flat=True))


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "type", "holder_name", "status", "issued_on", "valid_until", "issuing_case_number")
    list_filter = ("status", "type")
    list_select_related = ("type",)
    search_fields = ("number", "issuing_case_number")
    inlines = (TransitionInline,)
    change_form_template = "admin/certificates/certificate/change_form.html"
    readonly_fields = (
        "number",
        "type",
        "holder_name",
        "holder_identifier",
        "fields",
        "issued_on",
        "valid_until",
        "status",
        "status_reason",
        "issuing_case_number",
        "issuing_service_code",
        "department_name",
        "kid",
        "supersedes",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(type__department_id__in=_department_ids(request.user))

    # Officials hold ``certificates.view_certificate`` (through their group); which certificates
    # they see is their departments' (get_queryset), and the services check the department again.
    def has_module_permission(self, request):
        return request.user.is_staff and request.user.has_perm("certificates.view_certificate")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/status/<str:action>/",
                self.admin_site.admin_view(self.status_view),
                name="{}_{}_status".format(*info),
            ),
            *super().get_urls(),
        ]

    def status_view(self, request, object_id, action):
        """Revoke (吊销) or supersede (换发) with a reason; the service checks the department."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in ("revoke", "supersede"):
            raise Http404
        certificate = self.get_queryset(request).filter(pk=object_id).first()
        if certificate is None:
            raise PermissionDenied
        change_url = reverse("admin:certificates_certificate_change", args=[certificate.pk])
        form = RevokeForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("请填写原因。"), messages.ERROR)
            return redirect(change_url)
        service = certificate_revoke if action == "revoke" else certificate_supersede
        try:
            result = service(certificate_id=certificate.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(change_url)
        if action == "revoke":
            self.message_user(request, _("证照已吊销，持证人已收到通知。"), messages.SUCCESS)
            return redirect(change_url)
        self.message_user(request, _("已换发新证，原证已失效。"), messages.SUCCESS)
        return redirect(reverse("admin:certificates_certificate_change", args=[result.pk]))


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "created_at", "retired_at")
    fields = ("kid", "public_key", "created_at", "retired_at")
    readonly_fields = fields


@admin.register(DocumentSigningCredential)
class DocumentSigningCredentialAdmin(SigningKeyAdmin):
    list_display = ("label", "created_at")
    fields = ("label", "certificate_pem", "created_at")
    readonly_fields = fields
