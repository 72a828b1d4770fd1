from django.contrib import admin

from .models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Officials add a year once the State Council publishes its holiday notice."""

    list_display = ("year", "source", "updated_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
