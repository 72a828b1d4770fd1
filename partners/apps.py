from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """The partner platform (合作方接入): onboarding, partners' own OAuth2 clients, and
    signed webhooks.

    It sits just above ``identity`` (enterprises, OAuth2 clients) and ``notifications``:
    ``applications``, ``certificates`` and ``payments`` publish their events through
    :mod:`partners.events`, and this app imports none of them.
    """

    name = "partners"
    verbose_name = _("合作方平台")

    def ready(self) -> None:
        # Webhooks: the admin for events, deliveries and attempts, and the relay tasks.
        from .webhooks import admin as webhooks_admin  # noqa: F401
        from .webhooks import tasks as webhooks_tasks  # noqa: F401
