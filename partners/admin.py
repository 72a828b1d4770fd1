"""Officials review partner applications here: approve scopes, reject, suspend.

The partner's record and its change log are read-only; every decision goes
through :func:`partners.services.partner_decide` on the decision page.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.admin import ShownRelationsJoinedMixin
from common.exceptions import ApplicationError
from identity.admin_base import ReadOnlyAdmin

from .forms import PartnerDecisionForm
from .models import Partner, PartnerClient, PartnerEvent
from .services import partner_decide


class PartnerClientInline(admin.TabularInline):
    model = PartnerClient
    fields = ("application", "environment", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PartnerEventInline(ShownRelationsJoinedMixin, admin.TabularInline):
    model = PartnerEvent
    fields = ("created_at", "actor", "action", "summary")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "status", "requested_scopes", "approved_scopes", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("enterprise",)
    search_fields = ("enterprise__name", "contact_name")
    fields = (
        "enterprise",
        "status",
        "purpose",
        "requested_scopes",
        "approved_scopes",
        "contact_name",
        "contact_mobile",
        "contact_email",
        "applied_by",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields
    inlines = (PartnerClientInline, PartnerEventInline)

    def has_add_permission(self, request):
        return False  # partners apply themselves, in their space

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="partners_partner_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id: int):
        """Approve (choosing scopes from those asked for), reject or suspend, with a note."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        partner = get_object_or_404(Partner.objects.select_related("enterprise"), pk=object_id)
        form = PartnerDecisionForm(
            request.POST or None,
            requested=partner.requested_scope_list,
            initial={"approved_scopes": partner.approved_scope_list or partner.requested_scope_list},
        )
        if request.method == "POST" and form.is_valid():
            try:
                partner_decide(
                    partner_id=partner.pk,
                    official=request.user,
                    decision=form.cleaned_data["decision"],
                    scopes=form.cleaned_data["approved_scopes"],
                    note=form.cleaned_data["decision_note"],
                )
            except ApplicationError as error:
                form.add_error(
                    error.extra.get("field") if error.extra.get("field") in form.fields else None, error.message
                )
            else:
                self.message_user(request, _("审核决定已保存，合作方应用的权限范围已同步。"), messages.SUCCESS)
                return redirect(reverse("admin:partners_partner_change", args=[partner.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": partner,
            "title": _("审核合作方：%(name)s") % {"name": partner.enterprise.name},
            "form": form,
        }
        return TemplateResponse(
            request, "admin/partners/partner/decide.html", context, status=400 if form.errors else 200
        )


@admin.register(PartnerEvent)
class PartnerEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "partner", "actor", "action", "summary")
    list_filter = ("action",)
    list_select_related = ("partner__enterprise", "actor")
    fields = list_display
    readonly_fields = fields
