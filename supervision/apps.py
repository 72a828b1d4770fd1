from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("电子监察")

    def ready(self):
        from applications.constants import DECIDED_STATUSES
        from applications.services import after_enter_register

        from .messages import register_messages
        from .services import close_cards_on_decision

        register_messages()
        # A case that leaves the working set closes its cards in the same transaction;
        # the beat task sweeps whatever a hook could not see (e.g. a case moved before deployment).
        for status in DECIDED_STATUSES:
            after_enter_register(status, close_cards_on_decision)
