"""The partner's webhook pages; the portal includes them under ``/partners/webhooks/``."""

from django.urls import path

from . import views

app_name = "partner_webhooks"

urlpatterns = [
    path("<int:partner_id>/", views.subscription_list, name="subscription_list"),
    path("<int:partner_id>/new/", views.subscription_create, name="subscription_create"),
    path("<int:partner_id>/<int:subscription_id>/", views.subscription_edit, name="subscription_edit"),
    path("<int:partner_id>/<int:subscription_id>/rotate/", views.subscription_rotate, name="subscription_rotate"),
    path(
        "<int:partner_id>/<int:subscription_id>/deactivate/",
        views.subscription_deactivate,
        name="subscription_deactivate",
    ),
    path("<int:partner_id>/deliveries/", views.delivery_list, name="delivery_list"),
    path("<int:partner_id>/deliveries/<str:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("<int:partner_id>/deliveries/<str:delivery_id>/replay/", views.delivery_replay, name="delivery_replay"),
]
