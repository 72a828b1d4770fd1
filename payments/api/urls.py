from django.urls import path

from . import views

urlpatterns = [
    path("payments/orders/", views.OrderList.as_view(), name="payment-order-list"),
    path("payments/", views.PaymentCreate.as_view(), name="payment-create"),
]
