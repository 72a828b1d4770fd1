"""A small urlconf for the enterprise page tests.

The root urlconf does not include identity yet, and ``identity.urls`` names
account views that are written in parallel. So the tests mount the whole
identity app once it imports, else only the enterprise patterns, under the
``identity`` namespace, next to the portal (base.html links ``portal:home``).
Pages carry their language in the path, as in ``config.urls``.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

try:
    identity = include("identity.urls")
except ImportError:
    # Until the account, security and e-ID views exist.
    identity = include(("identity.urls_enterprises", "identity"), namespace="identity")

urlpatterns = i18n_patterns(
    path("identity/", identity),
    path("", include("portal.urls")),
    prefix_default_language=False,
)
