"""The toolkit's endpoints we publish, under /o/.

Not its application-management pages (any signed-in user could register a
client there: partners are registered by officials in the admin), nor the
device flow and dynamic client registration, which we do not offer.
"""

from django.urls import path
from oauth2_provider import urls as toolkit_urls

from .views import AuthorizationView

app_name = "oauth2_provider"

_published = {"token", "revoke-token", "introspect"}

urlpatterns = [
    path("authorize/", AuthorizationView.as_view(), name="authorize"),
    *(pattern for pattern in toolkit_urls.base_urlpatterns if pattern.name in _published),
    *toolkit_urls.oidc_urlpatterns,
    *(pattern for pattern in toolkit_urls.metadata_urlpatterns if pattern.name == "oauth-server-metadata"),
]
