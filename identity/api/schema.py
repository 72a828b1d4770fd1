"""OpenAPI description of our bearer authentication (a drf-spectacular extension).

Imported by identity/api/authentication.py, so it is registered wherever that class is used.
"""

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme


class BearerTokenScheme(DjangoOAuthToolkitScheme):
    """The toolkit's ``oauth2`` scheme, for our subclass of its authentication class."""

    target_class = "identity.api.authentication.BearerTokenAuthentication"
    name = "oauth2"
