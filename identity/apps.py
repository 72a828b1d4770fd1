from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("统一身份认证")

    def ready(self):
        from . import signals  # noqa: F401
        from .facecheck.contrib import sandbox as face_sandbox  # noqa: F401  (register the face check providers)
        from .facecheck.contrib import tencent  # noqa: F401

        # OAuth2: revoke tokens of disabled users; admin for partner scopes.
        from .oauth import admin, receivers  # noqa: F401
        from .verification.contrib import http, sandbox  # noqa: F401  (register the verifiers)
