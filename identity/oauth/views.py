"""Our variant of the toolkit's consent view."""

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


class AuthorizationView(views.AuthorizationView):
    """The consent page, in the language the partner asks for.

    /o/ carries no language prefix, so pages there are in Chinese; a partner
    serving English readers passes ``ui_locales=en`` (OpenID Connect Core
    3.1.2.1) and the resident reads the consent page in English.
    """

    def get(self, request, *args, **kwargs):
        language = language_from_ui_locales(request.GET.get("ui_locales", ""))
        if language is None:
            return super().get(request, *args, **kwargs)
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
            # Render now: a TemplateResponse would otherwise render after the override ends.
            if hasattr(response, "render"):
                response.render()
        response["Content-Language"] = language
        return response
