from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("好差评与咨询投诉")

    def ready(self):
        from applications.constants import Status
        from applications.services import after_enter_register

        from .hooks import prompt_rating
        from .messages import register_messages

        register_messages()
        after_enter_register(Status.CONCLUDED, prompt_rating)
