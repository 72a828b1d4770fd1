from django.apps import AppConfig


class PaymentsSandboxConfig(AppConfig):
    """SANDBOX: a local stand-in for the payment providers and the civil-affairs
    registry that fee exemptions ask (never in production)."""

    name = "payments.contrib.sandbox"
    label = "payments_sandbox"
    verbose_name = "支付沙箱 (SANDBOX)"

    def ready(self):
        from . import civil_affairs  # noqa: F401  (registers the "civil-affairs-sandbox" exemption source)
