from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.exceptions import ApplicationError

from .admin_base import DigestSearchMixin, ReadOnlyAdmin
from .constants import PersonalDataField
from .models import (
    AssuranceChange,
    FaceCheck,
    PersonalDataAccess,
    RealNameVerification,
    SandboxIdentity,
    User,
    UserSession,
)
from .personal_data import id_number_columns, personal_data_reveal
from .validators import normalize_id_number, normalize_mobile


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(User)
class UserAdmin(DigestSearchMixin, DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "mobile",
        "assurance_level",
        "id_number_masked",
        "is_staff",
        "is_active",
    )
    list_filter = ("assurance_level", "is_staff", "is_active")
    search_fields = ("username", "display_name", "mobile")
    # A full mobile number is searched by POST, like a full ID number (admin_base.py).
    private_exact_fields: ClassVar[dict] = {"mobile": normalize_mobile}
    readonly_fields = (
        "id_number_masked",
        "reveal_link",
        "verified_at",
        "verification_provider",
        "assurance_expires_at",
    )
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("通办资料"),
            {
                "fields": (
                    "display_name",
                    "mobile",
                    "assurance_level",
                    "assurance_expires_at",
                    "real_name",
                    "id_number_masked",
                    "reveal_link",
                    "verified_at",
                    "verification_provider",
                )
            },
        ),
    )

    @admin.display(description=_("完整号码"))
    def reveal_link(self, obj):
        if not obj.pk or not obj.id_number_masked:
            return "—"
        url = reverse("admin:identity_user_reveal", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看完整号码（需填写事由并记录）"))

    def get_urls(self):
        return [
            path("<int:user_id>/reveal/", self.admin_site.admin_view(self.reveal_view), name="identity_user_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, user_id: int):
        if not request.user.has_perm("identity.reveal_personal_data"):
            raise PermissionDenied
        subject = get_object_or_404(User, pk=user_id)
        form = RevealForm(request.POST or None)
        revealed = None
        if request.method == "POST" and form.is_valid():
            try:
                revealed = personal_data_reveal(
                    official=request.user,
                    subject=subject,
                    field=PersonalDataField.ID_NUMBER,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
        context = {
            **self.admin_site.each_context(request),
            "title": _("查看完整身份证号码"),
            "subject": subject,
            "form": form,
            "revealed": revealed,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/identity/reveal.html", context)


class SandboxIdentityForm(forms.ModelForm):
    id_number_input = forms.CharField(label=_("身份证号码"), max_length=18)

    class Meta:
        model = SandboxIdentity
        fields = ("name", "household_address", "ethnicity", "note")

    def clean_id_number_input(self):
        try:
            return normalize_id_number(self.cleaned_data["id_number_input"])
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None

    def save(self, commit=True):
        for attribute, value in id_number_columns(self.cleaned_data["id_number_input"]).items():
            setattr(self.instance, attribute, value)
        return super().save(commit)


@admin.register(SandboxIdentity)
class SandboxIdentityAdmin(DigestSearchMixin, admin.ModelAdmin):
    """Test identities for the sandbox verifier: never real people."""

    form = SandboxIdentityForm
    list_display = ("name", "id_number_masked", "note", "created_at")
    search_fields = ("name",)


@admin.register(RealNameVerification)
class RealNameVerificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "provider", "outcome", "name", "id_number_masked", "reference")
    list_filter = ("outcome", "provider")
    list_select_related = ("user",)


@admin.register(FaceCheck)
class FaceCheckAdmin(ReadOnlyAdmin):
    """Face checks (实人认证): who, what for, the provider's decision and score, the consent.
    Never an image: none is kept."""

    list_display = ("created_at", "user", "purpose", "reference", "provider", "status", "decision", "match_score")
    list_filter = ("status", "decision", "provider", "purpose")
    list_select_related = ("user",)
    search_fields = ("reference", "provider_session_id")


@admin.register(AssuranceChange)
class AssuranceChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "from_level", "to_level", "until", "reason")
    list_filter = ("to_level",)
    list_select_related = ("user",)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "official", "subject_type", "subject_id", "field", "reason")
    list_select_related = ("official",)


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "last_seen_at", "ended_at", "client_ip")
    list_select_related = ("user",)
    exclude = ("session_key",)


from . import admin_enterprises  # noqa: E402, F401
