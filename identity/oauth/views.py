"""Our variant of the toolkit's consent view."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from oauth2_provider import views


def language_from_ui_locales(ui_locales: str) -> str | None:
    """The first of the partner's OIDC ``ui_locales`` (e.g. ``"en zh-CN"``) that we speak."""
    for tag in ui_locales.split():
        try:
            language = translation.get_supported_language_variant(tag.lower())
        except LookupError:
            continue
        if language in dict(settings.LANGUAGES):
            return language
    return None


def csp_source_for_redirect(redirect_uri: str) -> str:
    """``redirect_uri`` as a CSP source expression: scheme, host, port and path.

    A query is no part of a source expression; a path with characters that
    would end one falls back to the origin alone.
    """
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    if any(character in parts.path for character in ";, "):
        return origin
    return origin + parts.path


class AuthorizationView(views.AuthorizationView):
    """The consent page, as django-oauth-toolkit's, with two additions.

    * **Language.** /o/ carries no language prefix, so pages there are in
      Chinese; a partner serving English readers passes ``ui_locales=en``
      (OpenID Connect Core 3.1.2.1) and the resident reads it in English.
    * **CSP.** Browsers that apply the site-wide ``form-action 'self'`` to
      redirects too (CSP Level 3) would block the form's answer, a redirect
      back to the partner. The consent page also allows exactly the redirect
      URI that was just validated against the application's registered ones.
    """

    def get(self, request, *args, **kwargs):
        language = language_from_ui_locales(request.GET.get("ui_locales", ""))
        if language is None:
            response = super().get(request, *args, **kwargs)
        else:
            with translation.override(language):
                response = super().get(request, *args, **kwargs)
                # Render now: a TemplateResponse would otherwise render after the override ends.
                if hasattr(response, "render"):
                    response.render()
            response["Content-Language"] = language
        redirect_uri = self.oauth2_data.get("redirect_uri")
        if response.status_code == 200 and redirect_uri:
            response._csp_update = {"form-action": [csp_source_for_redirect(redirect_uri)]}
        return response
