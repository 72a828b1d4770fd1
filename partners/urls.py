"""The partner space, under /partners/ (and /en/partners/)."""

from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_home, name="home"),
    path("apply/", views.partner_apply, name="apply"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/clients/new/", views.client_create, name="client_create"),
    path("<int:pk>/clients/<int:client_pk>/", views.client_detail, name="client"),
    path("<int:pk>/clients/<int:client_pk>/redirect-uris/", views.client_redirect_uris, name="client_redirect_uris"),
    path("<int:pk>/clients/<int:client_pk>/secret/", views.client_secret_rotate, name="client_secret_rotate"),
    path("<int:pk>/clients/<int:client_pk>/keys/", views.client_key_add, name="client_key_add"),
    path(
        "<int:pk>/clients/<int:client_pk>/private-key-jwt/",
        views.client_use_private_key_jwt,
        name="client_use_private_key_jwt",
    ),
    path(
        "<int:pk>/clients/<int:client_pk>/keys/<int:key_pk>/revoke/",
        views.client_key_revoke,
        name="client_key_revoke",
    ),
]
