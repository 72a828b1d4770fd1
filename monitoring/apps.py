from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("运行监测")

    def ready(self):
        from . import retention_policies, signals
        from .exposition import check_multiprocess_dir

        check_multiprocess_dir()
        # Counters fed by signals (Celery task failures, webhook attempts that failed).
        signals.connect()
        # The retention policies register here, so a policy breaking the audit floor
        # stops the process at start-up (monitoring/retention.py).
        retention_policies.register_all()
