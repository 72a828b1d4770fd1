"""OpenAPI description of our bearer authentication (a drf-spectacular extension).

Imported by identity/api/authentication.py, so it is registered wherever that class is used.
"""

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme


class BearerTokenScheme(DjangoOAuthToolkitScheme):
    """The toolkit's ``oauth2`` scheme, for our subclass of its authentication class.

    A view states the scopes a token needs through ``RequiredScopes`` (``required_scopes_read`` /
    ``required_scopes_write``). A view may add ``documented_scope_sets``: further sets of scopes,
    each listed as an alternative security requirement, for scopes that change the answer without
    being required, e.g. ``catalogue:read`` on the public catalogue (a higher rate) or
    ``eid:verify:detail`` beside ``eid:verify`` (more fields)."""

    target_class = "identity.api.authentication.BearerTokenAuthentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema):
        requirement = super().get_security_requirement(auto_schema)
        requirements = [] if requirement is None else [requirement] if isinstance(requirement, dict) else requirement
        extra = getattr(auto_schema.view, "documented_scope_sets", ())
        requirements += [{self.name: list(scopes)} for scopes in extra]
        return requirements or None
