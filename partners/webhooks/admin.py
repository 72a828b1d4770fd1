"""Read-only admin for webhook subscriptions, events, deliveries and attempts, with a replay action.

Registered from :meth:`partners.apps.PartnersConfig.ready`. Subscriptions are
changed by the partner in its space; officials see them without the secret.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.exceptions import ApplicationError

from ..models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEvent, WebhookSubscription
from .services import delivery_replay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "partner", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("partner__enterprise",)
    search_fields = ("url",)
    # Never the signing secrets.
    fields = ("partner", "url", "event_types", "is_active", "previous_secret_expires_at", "created_at", "updated_at")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "type", "resource_type", "resource_id", "sequence")
    list_filter = ("type",)
    search_fields = ("=id", "=resource_id")
    fields = ("id", "type", "resource_type", "resource_id", "sequence", "data", "created_at")


class AttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event", "partner", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status", "event__type")
    list_select_related = ("event", "partner__enterprise")
    search_fields = ("=id", "=event__id", "=event__resource_id")
    fields = (
        "id",
        "event",
        "subscription",
        "partner",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
        "failed_at",
        "replay_of",
        "replayed_by",
    )
    readonly_fields = fields
    inlines = (AttemptInline,)
    actions = ("replay",)

    @admin.action(description=_("重新投递所选通知"))
    def replay(self, request, queryset):
        done = 0
        for delivery_id in queryset.values_list("pk", flat=True):
            try:
                delivery_replay(delivery_id=delivery_id, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{delivery_id}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request, ngettext("已重新投递 %(n)d 条通知。", "已重新投递 %(n)d 条通知。", done) % {"n": done}
            )
