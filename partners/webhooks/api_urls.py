"""Routes of the webhooks API, added to ``api_v1_patterns`` in ``config/urls.py``."""

from django.urls import path

from . import api

urlpatterns = [
    path("webhooks/deliveries/", api.DeliveryList.as_view(), name="webhook-delivery-list"),
    path("webhooks/deliveries/<str:delivery_id>/", api.DeliveryDetail.as_view(), name="webhook-delivery-detail"),
    path("webhooks/deliveries/<str:delivery_id>/replay/", api.DeliveryReplay.as_view(), name="webhook-delivery-replay"),
]
