from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("公共组件")

    def ready(self):
        from .db_router import connect_request_signals
        from .logging import configure_structlog

        configure_structlog()
        # The replica router needs each request's method (common/db_router.py).
        connect_request_signals()
