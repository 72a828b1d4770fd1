"""The catalogue managers' admin: items, versions with their inline parts,
publishing, and import/export. Every write goes through services.py."""

from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.exceptions import ApplicationError

from . import services, transfer
from .cache import catalogue_changed
from .constants import PROMISED_LIMIT_TARGET_CUT, FeeExemptionCategory, VersionStatus
from .models import (
    FAQ,
    Bundle,
    BundleItem,
    Department,
    Fee,
    LifeEvent,
    Material,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialStep,
    SynonymGroup,
    Topic,
    TopicItem,
)


class _CatalogueAdmin(admin.ModelAdmin):
    """Navigation rows appear on cached pages: any change invalidates them,
    once committed, so no request can cache the old rows again meanwhile."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(catalogue_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(catalogue_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(catalogue_changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(catalogue_changed)


@admin.register(Department)
class DepartmentAdmin(_CatalogueAdmin):
    # A website typed without a scheme is https (Django 6's default; 5.2 warns without it).
    formfield_overrides: ClassVar[dict] = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("code", "name", "name_en", "region", "phone", "order")
    search_fields = ("code", "name", "name_en")
    list_filter = ("region",)


class _ItemGroupAdmin(_CatalogueAdmin):
    """Topics, bundles and life events: their names are in their items' search
    documents, so a change rewrites the documents of the items before and after it."""

    def save_model(self, request, obj, form, change):
        # On the object, not on this admin: one admin instance serves every request.
        obj._search_items_before = set(obj.items.values_list("pk", flat=True)) if change else set()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(form.instance, "_search_items_before", set())
        items_now = set(form.instance.items.values_list("pk", flat=True))
        services.catalogue_search_reindex(item_ids=sorted(before | items_now))


@admin.register(LifeEvent)
class LifeEventAdmin(_ItemGroupAdmin):
    list_display = ("code", "name", "name_en", "kind", "order")
    list_filter = ("kind",)


class TopicItemInline(admin.TabularInline):
    model = TopicItem
    autocomplete_fields = ("item",)
    extra = 1


@admin.register(Topic)
class TopicAdmin(_ItemGroupAdmin):
    list_display = ("code", "name", "name_en", "order")
    inlines = (TopicItemInline,)


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    autocomplete_fields = ("item",)
    extra = 1


@admin.register(Bundle)
class BundleAdmin(_ItemGroupAdmin):
    list_display = ("code", "name", "name_en", "audience", "promised_limit_days", "order")
    inlines = (BundleItemInline,)


@admin.register(SynonymGroup)
class SynonymGroupAdmin(_CatalogueAdmin):
    list_display = ("terms", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("terms",)


class VersionLinkInline(admin.TabularInline):
    model = ServiceItemVersion
    fields = ("link", "status", "promised_limit_days", "statutory_limit_days", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("版本"))
    def link(self, version):
        url = reverse("admin:services_serviceitemversion_change", args=[version.pk])
        return format_html('<a href="{}">v{}</a>', url, version.version)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("目录文件"))
    fmt = forms.ChoiceField(label=_("格式"), choices=[("json", "JSON"), ("csv", "CSV")])


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "audience", "item_type", "popularity", "is_published_display")
    list_filter = ("audience", "item_type", "department")
    search_fields = ("code", "name", "aliases", "keywords")
    filter_horizontal = ("life_events",)
    inlines = (VersionLinkInline,)
    actions = ("create_draft", "unpublish")
    change_list_template = "services/admin/serviceitem_change_list.html"

    @admin.display(description=_("已发布"), boolean=True)
    def is_published_display(self, item):
        return item.is_published

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Name, aliases or keywords may have changed.
        services.service_item_reindex(item=form.instance)

    @admin.action(description=_("为所选事项新建草稿版本"))
    def create_draft(self, request, queryset):
        for item in queryset:
            try:
                services.service_item_version_create_draft(item=item)
            except ApplicationError as exc:
                self.message_user(request, f"{item}: {exc.message}", messages.ERROR)
        self.message_user(request, _("已创建草稿版本。"), messages.SUCCESS)

    @admin.action(description=_("撤回所选事项（下架）"))
    def unpublish(self, request, queryset):
        for item in queryset:
            services.service_item_unpublish(item=item)
        self.message_user(request, _("所选事项已下架。"), messages.SUCCESS)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="services_serviceitem_import"),
            path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name="services_serviceitem_export"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                result = transfer.catalogue_import(
                    content=form.cleaned_data["file"].read(), fmt=form.cleaned_data["fmt"], published_by=request.user
                )
            except transfer.CatalogueImportError as exc:
                problems = exc.problems
                self.message_user(request, _("导入失败，目录未作任何修改。"), messages.ERROR)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("导入完成：新增 %(created)d 项，更新 %(updated)d 项，未变 %(unchanged)d 项。")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                    messages.SUCCESS,
                )
                return redirect("admin:services_serviceitem_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "title": _("导入服务事项目录"),
        }
        return TemplateResponse(request, "services/admin/import.html", context)

    def export_view(self, request, fmt):
        if not self.has_view_permission(request) or fmt not in ("json", "csv"):
            raise PermissionDenied
        content_type = "application/json" if fmt == "json" else "text/csv"
        response = HttpResponse(transfer.catalogue_export(fmt=fmt), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="catalogue.{fmt}"'
        return response


class _PartInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class MaterialInline(_PartInline):
    model = Material


class FeeForm(forms.ModelForm):
    exempt_categories = forms.MultipleChoiceField(
        label=_("减免对象"),
        choices=FeeExemptionCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Fee
        fields = ("order", "name", "amount_fen", "legal_basis", "exempt_categories", "exemption_basis")


class FeeInline(_PartInline):
    """Fees with their exemptions: whom a fee is waived for, and on what basis (shown to residents)."""

    model = Fee
    form = FeeForm


class ProcessStepInline(_PartInline):
    model = ProcessStep


class SpecialStepInline(_PartInline):
    model = SpecialStep


class FAQInline(_PartInline):
    model = FAQ


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(admin.ModelAdmin):
    """Drafts are edited here; published versions are read-only history."""

    list_display = ("item", "version", "status", "promised_limit_days", "statutory_limit_days", "published_at")
    list_filter = ("status", "item__department")
    search_fields = ("item__code", "item__name")
    autocomplete_fields = ("item",)
    inlines = (MaterialInline, FeeInline, ProcessStepInline, SpecialStepInline, FAQInline)
    actions = ("publish",)
    readonly_fields = ("status", "published_at", "published_by")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("发布所选草稿版本"))
    def publish(self, request, queryset):
        published = 0
        for version in queryset:
            try:
                services.service_item_version_publish(version=version, published_by=request.user)
                published += 1
            except ApplicationError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
                continue
            if version.statutory_limit_days and version.time_saved_percent < PROMISED_LIMIT_TARGET_CUT * 100:
                self.message_user(
                    request,
                    _("%(version)s：承诺时限仅比法定时限缩短 %(percent)d%%，低于 %(target)d%% 的目标。")
                    % {
                        "version": version,
                        "percent": version.time_saved_percent,
                        "target": PROMISED_LIMIT_TARGET_CUT * 100,
                    },
                    messages.WARNING,
                )
        if published:
            self.message_user(request, _("已发布 %(count)d 个版本。") % {"count": published}, messages.SUCCESS)
