from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("电子证照")

    def ready(self):
        from common.decisions import decision_listeners
        from common.material_providers import material_providers
        from common.prefill import sources

        from .messages import register_messages
        from .plugins import CertificateFieldSource, WalletProvider
        from .services import IssueOnApproval

        register_messages()
        material_providers.register("wallet", WalletProvider("wallet"))
        sources.register("certificate", CertificateFieldSource("certificate"))
        decision_listeners.register("certificates", IssueOnApproval("certificates"))
