from django.urls import path

from . import views

app_name = "payments-sandbox"
urlpatterns = [
    path("alipay/gateway.do", views.alipay_gateway, name="alipay-gateway"),
    path("alipay/cashier/<str:trade_no>/", views.alipay_cashier_decide, name="alipay-decide"),
    path("alipay/bill/<str:day>.csv", views.alipay_bill, name="alipay-bill"),
    path("wechatpay/v3/pay/transactions/h5", views.wechatpay_h5, name="wechatpay-h5"),
    path(
        "wechatpay/v3/pay/transactions/out-trade-no/<str:out_trade_no>",
        views.wechatpay_query,
        name="wechatpay-query",
    ),
    path("wechatpay/v3/refund/domestic/refunds", views.wechatpay_refund, name="wechatpay-refund"),
    path("wechatpay/v3/bill/tradebill", views.wechatpay_tradebill, name="wechatpay-tradebill"),
    path("wechatpay/v3/billdownload/file", views.wechatpay_billdownload, name="wechatpay-billdownload"),
    path("wechatpay/cashier/<str:trade_no>/", views.wechatpay_cashier, name="wechatpay-cashier"),
    path("unionpay/gateway/api/frontTransReq.do", views.unionpay_front, name="unionpay-front"),
    path("unionpay/cashier/<str:trade_no>/", views.unionpay_cashier_decide, name="unionpay-decide"),
    path("unionpay/gateway/api/<str:endpoint>.do", views.unionpay_back, name="unionpay-back"),
]
