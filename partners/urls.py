"""The partner space, under /partners/ (and /en/partners/)."""

from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_home, name="home"),
    path("apply/", views.partner_apply, name="apply"),
    path("<int:pk>/", views.partner_detail, name="detail"),
]
