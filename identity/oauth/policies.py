"""Who may authorise which client: the extension point ``OAUTH2_AUTHORIZATION_POLICIES``.

Each entry is the dotted path of a callable ``(*, user, application) -> str | None``: a
reason (shown to the resident and sent to the client as ``error_description``) when
``user`` may not authorise ``application``, else ``None``. Apps above identity add their
rules this way without identity importing them; the partners app, for one, keeps
sandbox clients to test personas (``partners.policies``). Asked before the consent page
and again as a code is issued, so a forged consent form cannot pass one by.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def authorization_refusal(*, user, application) -> str | None:
    """The first policy's reason to refuse, or ``None`` when every policy allows."""
    for path in settings.OAUTH2_AUTHORIZATION_POLICIES:
        reason = import_string(path)(user=user, application=application)
        if reason:
            return str(reason)
    return None
