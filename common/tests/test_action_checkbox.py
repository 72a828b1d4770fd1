"""The row checkbox written by ActionCheckboxMixin is the one Django's widget renders."""

from django.contrib import admin
from django.test.html import parse_html
from django.utils import translation

from applications.admin import ApplicationAdmin
from applications.models import Application


def test_the_row_checkbox_is_the_one_django_renders():
    case = Application(pk=42, case_number="440100-20261130-000042")
    ours = ApplicationAdmin(Application, admin.site)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert parse_html(ours.action_checkbox(case)) == parse_html(admin.ModelAdmin.action_checkbox(ours, case))
