from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "mobile", "is_staff", "is_active")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("通办资料"), {"fields": ("display_name", "mobile")}),
    )


from . import admin_enterprises  # noqa: E402, F401
