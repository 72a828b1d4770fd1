from django.urls import path

from . import views

app_name = "payments-sandbox"
urlpatterns = [
    path("alipay/gateway.do", views.alipay_gateway, name="alipay-gateway"),
    path("alipay/cashier/<str:trade_no>/", views.alipay_cashier_decide, name="alipay-decide"),
    path("alipay/bill/<str:day>.csv", views.alipay_bill, name="alipay-bill"),
]
