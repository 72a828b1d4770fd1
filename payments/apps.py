from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("统一支付")

    def ready(self):
        from notifications.templates import register_template

        from .contrib.alipay import plugin  # noqa: F401  (registers the "alipay" gateway)
        from .contrib.unionpay import plugin as unionpay_plugin  # noqa: F401  (registers "unionpay")
        from .contrib.wechatpay import plugin as wechatpay_plugin  # noqa: F401  (registers "wechatpay")

        register_template(
            "payments.paid",
            {
                "zh-hans": (
                    "缴费成功",
                    "您已成功缴纳「{{ subject }}」费用 {{ amount }} 元，订单号 {{ out_trade_no }}。",
                ),
                "en": (
                    "Payment received",
                    "You paid {{ amount }} yuan for “{{ subject }}” (order {{ out_trade_no }}).",
                ),
            },
        )
        register_template(
            "payments.refunded",
            {
                "zh-hans": ("退款通知", "「{{ subject }}」的费用已原路退回，订单号 {{ out_trade_no }}。"),
                "en": ("Refund", "The fee for “{{ subject }}” was refunded (order {{ out_trade_no }})."),
            },
        )
        register_template(
            "payments.expired",
            {
                "zh-hans": ("订单已过期", "「{{ subject }}」的缴费订单 {{ out_trade_no }} 已过期未支付。"),
                "en": ("Order expired", "The payment order {{ out_trade_no }} for “{{ subject }}” expired unpaid."),
            },
        )
        register_template(
            "payments.closed",
            {
                "zh-hans": ("订单已关闭", "「{{ subject }}」的缴费订单 {{ out_trade_no }} 已关闭。"),
                "en": ("Order closed", "The payment order {{ out_trade_no }} for “{{ subject }}” was closed."),
            },
        )
