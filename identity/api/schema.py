"""OpenAPI description of our bearer authentication (drf-spectacular extension, loaded in ``IdentityConfig.ready()``)."""

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme


class BearerTokenScheme(DjangoOAuthToolkitScheme):
    """The toolkit's ``oauth2`` scheme, for our subclass of its authentication class."""

    target_class = "identity.api.authentication.BearerTokenAuthentication"
    name = "oauth2"
