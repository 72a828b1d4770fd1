"""The oauthlib server (``OAUTH2_PROVIDER["OIDC_SERVER_CLASS"]``)."""

from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid import Server


def require_s256_code_challenge(request) -> dict:
    """Refuse any PKCE method but S256 while the authorization request is validated.

    oauthlib accepts ``plain`` and treats a missing method as ``plain``; the
    toolkit's RFC 9700 gate refuses it only when the code is issued, after the
    resident has consented. Refusing here answers the partner at once.
    """
    if request.code_challenge_method != "S256":
        raise errors.UnsupportedCodeChallengeMethodError(request=request)
    return {}


class TongbanServer(Server):
    """oauthlib's OpenID Connect server with S256 as the only PKCE method."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        # Plain OAuth2, OpenID Connect and hybrid code requests each go through
        # their own grant (the OIDC ones proxy to an OAuth2 code grant).
        for grant in (self.auth_grant, self.openid_connect_auth, self.openid_connect_hybrid):
            grant.custom_validators.post_auth.append(require_s256_code_challenge)
