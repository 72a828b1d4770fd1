"""Our oauthlib glue (``OAUTH2_PROVIDER["OAUTH2_BACKEND_CLASS"]``): bearer tokens in the header only."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oauth2_provider.oauth2_backends import OAuthLibCore

TOKEN_PARAMETER = "access_token"  # noqa: S105 - a parameter name, not a secret


def token_outside_header(request) -> bool:
    """Whether a Django request carries an access token in its query string or form body (RFC 6750 §2.2, §2.3)."""
    # request.POST holds form bodies only (urlencoded or multipart), as the toolkit reads them.
    return TOKEN_PARAMETER in request.GET or TOKEN_PARAMETER in request.POST


class HeaderOnlyOAuthLibCore(OAuthLibCore):
    """django-oauth-toolkit's core, blind to ``access_token`` anywhere but the ``Authorization`` header.

    oauthlib reads a bearer token from the header, the query string and a
    form body alike (RFC 6750 allows all three). A token in a URL lands in
    access logs, browser history and ``Referer`` headers, and one in a form
    body can be planted by a cross-site form. We drop the parameter before
    oauthlib sees the request, so userinfo, the DRF API and every toolkit view
    find no token there. Our views answer such a request with
    ``invalid_request`` first (identity/api/authentication.py, oauth/views.py).
    """

    def _extract_params(self, request):
        uri, http_method, body, headers = super()._extract_params(request)
        parts = urlsplit(uri)
        if TOKEN_PARAMETER not in request.GET:
            return uri, http_method, body, headers
        query = [
            (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != TOKEN_PARAMETER
        ]
        uri = urlunsplit(parts._replace(query=urlencode(query)))
        return uri, http_method, body, headers

    def extract_body(self, request):
        return [(key, value) for key, value in super().extract_body(request) if key != TOKEN_PARAMETER]
