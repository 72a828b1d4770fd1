from django.contrib import admin

from .models import InboxMessage, MessageTemplate, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "template", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "channel")
    readonly_fields = tuple(field.name for field in OutboxMessage._meta.fields)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "title", "read_at")
    list_select_related = ("user",)
    readonly_fields = tuple(field.name for field in InboxMessage._meta.fields)

    def has_add_permission(self, request):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "language", "title")
    list_filter = ("language",)
