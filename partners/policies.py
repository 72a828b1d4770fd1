"""OAuth2 authorisation policies of the partner platform (``OAUTH2_AUTHORIZATION_POLICIES``)."""

from django.utils.translation import gettext as _

from .models import ClientEnvironment, PartnerClient
from .selectors import is_test_persona


def sandbox_clients_for_test_personas(*, user, application) -> str | None:
    """A sandbox client may be authorised by test personas only (see :func:`partners.selectors.is_test_persona`)."""
    environment = PartnerClient.objects.filter(application=application).values_list("environment", flat=True).first()
    if environment == ClientEnvironment.SANDBOX and not is_test_persona(user=user):
        return _("这是合作方的测试环境应用，只能用于测试人员。")
    return None
