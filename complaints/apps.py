from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("好差评与咨询投诉")

    def ready(self):
        from .messages import register_messages

        register_messages()
