"""Our oauthlib request validator (``OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]``)."""

from typing import ClassVar

from oauth2_provider.oauth2_validators import OAuth2Validator


class TongbanOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator with three changes:

    * **Claims.** ``sub`` is the user's id; ``name`` (the display name) and
      ``phone_number`` (the mobile) need the ``profile`` scope. No other
      personal data is ever a claim: in particular never an ID number.
    * **Exact redirect URIs.** The requested ``redirect_uri`` must equal a
      registered one character for character (OIDC Core 3.1.2.1, simple string
      comparison). The toolkit alone lets a loopback ``http://127.0.0.1``
      callback change its port (RFC 8252), which partner web apps never need.
    * **Disabled users.** A token of a user who is no longer active is refused,
      even if revoking it (identity/oauth/receivers.py) was somehow bypassed.
    """

    oidc_claim_scope: ClassVar[dict[str, str]] = {
        "sub": "openid",
        "name": "profile",
        "phone_number": "profile",
    }

    def get_additional_claims(self, request) -> dict:
        user = request.user
        return {
            "name": user.display_name or user.get_username(),
            "phone_number": user.mobile or "",
        }

    def get_discovery_claims(self, request) -> list[str]:
        # The toolkit lists only "sub" when claims are computed per request.
        return list(self.oidc_claim_scope)

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs) -> bool:
        registered = request.client.redirect_uris.split()
        return redirect_uri in registered and super().validate_redirect_uri(
            client_id, redirect_uri, request, *args, **kwargs
        )

    def validate_bearer_token(self, token, scopes, request) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        user = request.user
        return user is None or user.is_active

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        return request.user.is_active
