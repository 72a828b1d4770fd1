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
