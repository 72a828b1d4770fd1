from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """One link per language to the current page in that language.

    Languages live in the URL (``/`` Chinese, ``/en/`` English) rather than in a
    cookie, so anonymous pages stay cacheable and need no CSRF token.
    """
    request = context.get("request")
    current = get_language()
    path = request.get_full_path() if request else "/"
    return [
        {
            "code": code,
            "name": name,
            "url": translate_url(path, code),
            "is_current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
