"""The toolkit's endpoints we publish, under /o/.

Not its application-management pages (any signed-in user could register a
client there: partners are registered by officials in the admin), nor the
device flow and dynamic client registration, which we do not offer. The
consent page, discovery documents, introspection and userinfo are our own
variants (views.py).
"""

from django.urls import path, re_path
from oauth2_provider import urls as toolkit_urls

from . import views

app_name = "oauth2_provider"

_published = {"token", "revoke-token"}
_replaced = {"oidc-connect-discovery-info", "user-info"}

urlpatterns = [
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("introspect/", views.IntrospectView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"
    ),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path(".well-known/oauth-authorization-server", views.ServerMetadataView.as_view(), name="oauth-server-metadata"),
    *(pattern for pattern in toolkit_urls.base_urlpatterns if pattern.name in _published),
    *(pattern for pattern in toolkit_urls.oidc_urlpatterns if pattern.name not in _replaced),
]
