from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("<str:out_trade_no>/", views.order_detail, name="order_detail"),
    path("<str:out_trade_no>/pay/", views.order_pay, name="pay"),
    path("<str:out_trade_no>/return/", views.order_return, name="order_return"),
    path("<str:out_trade_no>/receipt/", views.order_receipt, name="receipt"),
    path("<str:out_trade_no>/receipt.pdf", views.order_receipt_pdf, name="receipt_pdf"),
]
