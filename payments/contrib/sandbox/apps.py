from django.apps import AppConfig


class PaymentsSandboxConfig(AppConfig):
    """SANDBOX: a local stand-in for the payment providers (never in production)."""

    name = "payments.contrib.sandbox"
    label = "payments_sandbox"
    verbose_name = "支付沙箱 (SANDBOX)"
