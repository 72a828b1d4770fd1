from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("养老资格认证")

    def ready(self):
        from .messages import register_messages

        register_messages()
        # The face check (identity) tells us its result; identity never imports benefits.
        try:
            from identity.signals import face_check_completed
        except ImportError:  # the face-check capability is not in this build
            return
        from .services import on_face_check_completed

        face_check_completed.connect(on_face_check_completed, dispatch_uid="benefits.face_check_completed")
