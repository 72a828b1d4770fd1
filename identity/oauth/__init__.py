"""The OAuth2 / OIDC provider for partner systems, on django-oauth-toolkit.

* ``scopes``: the scope catalogue and the per-application allow-list backend;
* ``validators``: our oauthlib validator (claims, exact redirect URIs, no
  tokens for disabled users);
* ``server``: the oauthlib server, refusing PKCE ``plain``;
* ``services``: writes (revoking a user's tokens, setting a partner's scopes);
* ``clients``: partner client registration (redirect URIs, secret rotation,
  public keys, an append-only change record) and ``private_key_jwt`` client
  authentication (RFC 7523), which the validator calls;
* ``receivers``: revoke a user's tokens the moment the account is disabled.

Settings are in the ``OAuth2 / OIDC`` section of config/settings/base.py.
"""
