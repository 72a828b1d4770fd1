"""{% once_per_language %}: the page chrome rendered once per language, and never anything
that depends on who asks."""

import difflib
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory, override_settings
from django.utils import translation

from applications.tests.factories import resident
from notifications.models import InboxMessage

FRAGMENT_TAGS = re.compile(r"{% (end)?once_per_language %}")
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
# The templates that use the tag on the pages compared below.
TEMPLATES_WITH_FRAGMENTS = {
    "base.html": settings.BASE_DIR / "templates" / "base.html",
    "portal/search.html": settings.BASE_DIR / "portal" / "templates" / "portal" / "search.html",
    "portal/_search_form.html": settings.BASE_DIR / "portal" / "templates" / "portal" / "_search_form.html",
}


def render(source: str, context: dict | None = None, language: str = "zh-hans") -> str:
    with translation.override(language):
        return engines["django"].from_string("{% load i18n static tongban %}" + source).render(context or {})


@pytest.mark.parametrize(
    "contents",
    [
        "{{ user }}",
        "{{ request.path }}",
        "{% if user %}x{% endif %}",
        "{% if not user.is_authenticated %}x{% endif %}",
        "{% url 'portal:guide' code %}",
        "{% url view_name %}",
        "{% translate message %}",
        "{% static path %}",
        "{% csrf_token %}",
        "{% for x in items %}{% endfor %}",
        "{% url 'portal:home' as home %}{{ home|add:user }}",
        "{% block title %}{% endblock %}",
    ],
)
def test_anything_that_may_depend_on_the_request_is_refused_when_compiled(contents):
    with pytest.raises(TemplateSyntaxError, match="once_per_language"):
        render("{% once_per_language %}" + contents + "{% endonce_per_language %}")


def test_fixed_contents_render_in_each_language_and_are_reused():
    source = (
        "{% once_per_language %}<a href=\"{% url 'portal:search' %}\">{% translate '搜索' %}</a>"
        "{% url 'marketplace:home' as market %}{% if market %}<a href=\"{{ market }}\">m</a>{% endif %}"
        "{% endonce_per_language %}"
    )
    template = engines["django"].from_string("{% load i18n tongban %}" + source)
    with translation.override("zh-hans"):
        chinese = template.render({})
    with translation.override("en"):
        english = template.render({})
    with translation.override("zh-hans"):
        assert template.render({}) == chinese
    assert chinese == '<a href="/search/">搜索</a><a href="/marketplace/">m</a>'
    assert english == '<a href="/en/search/">Search</a><a href="/en/marketplace/">m</a>'
    # A name set inside stays inside.
    assert render(source + "[{{ market }}]").endswith("[]")


def test_a_fragment_is_not_walked_for_blocks():
    node = engines["django"].from_string("{% load tongban %}{% once_per_language %}x{% endonce_per_language %}")
    assert node.template.nodelist[1].get_nodes_by_type(type(node.template.nodelist[0])) == []


def _without_fragments():
    """TEMPLATES with the same templates, the once_per_language tags taken out, loaded first."""
    stripped = {name: FRAGMENT_TAGS.sub("", Path(path).read_text()) for name, path in TEMPLATES_WITH_FRAGMENTS.items()}
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    options = {**engine.get("OPTIONS", {})}
    options["loaders"] = [
        ("django.template.loaders.locmem.Loader", stripped),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    engine["OPTIONS"] = options
    return override_settings(TEMPLATES=[engine, *settings.TEMPLATES[1:]])


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value="…"', response.content.decode())


def _unread(user, count: int) -> None:
    InboxMessage.objects.bulk_create(
        InboxMessage(user=user, outbox_id=uuid.uuid4(), title="t", body="b") for _ in range(count)
    )


@pytest.mark.django_db
def test_pages_read_the_same_with_and_without_fragments_for_each_visitor_and_language(client, catalogue):
    first, second = resident(), resident()
    _unread(first, 2)
    _unread(second, 5)
    visits = [
        (None, "/search/?q=社保"),
        (None, "/en/search/?q=社保"),
        (first, "/my/applications/"),
        (second, "/my/applications/"),
        (second, "/en/my/applications/"),
        (None, "/search/?q=户口"),
    ]

    def pages(marker: str) -> list[str]:
        seen = []
        for user, path in visits:
            client.logout()
            if user:
                client.force_login(user)
            # A query the page cache has not seen, so the view renders.
            separator = "&" if "?" in path else "?"
            seen.append(_page(client, f"{path}{separator}visit={marker}").replace(marker, ""))
        return seen

    with_fragments = pages("visit-a7c1")
    with _without_fragments():
        without = pages("visit-f3e9")
    for (_user, path), page, reference in zip(visits, with_fragments, without, strict=True):
        assert page == reference, (
            path + "\n" + "\n".join(difflib.unified_diff(reference.splitlines(), page.splitlines(), lineterm=""))
        )
    # The chrome is each visitor's own: the signed-in links and unread counts, or the sign-in link.
    assert "（2条未读）" in with_fragments[2] and "（5条未读）" in with_fragments[3]
    assert "/my/applications/" not in with_fragments[0].split("<main")[0]
    assert "Search" in with_fragments[1] and "搜索" in with_fragments[0]


def test_the_language_switch_links_the_current_page_in_the_other_language():
    request = RequestFactory().get("/search/?q=x")
    from common.templatetags.tongban import language_links

    with translation.override("zh-hans"):
        links = {link["code"]: link for link in language_links({"request": request})}
    assert links["zh-hans"]["is_current"] and not links["en"]["is_current"]
    assert links["en"]["url"] == "/en/search/?q=x"


def test_the_language_switch_translates_a_path_once_whatever_the_query_string():
    from common.templatetags.tongban import _translated_path, language_links

    def english_link(url: str, language: str = "zh-hans") -> str:
        with translation.override(language):
            links = {link["code"]: link for link in language_links({"request": RequestFactory().get(url)})}
        return links["en" if language == "zh-hans" else "zh-hans"]["url"]

    _translated_path.cache_clear()
    assert english_link("/search/?q=%E7%A4%BE%E4%BF%9D&n=1") == "/en/search/?q=%E7%A4%BE%E4%BF%9D&n=1"
    assert english_link("/search/?q=%E5%85%AC%E7%A7%AF%E9%87%91") == "/en/search/?q=%E5%85%AC%E7%A7%AF%E9%87%91"
    assert _translated_path.cache_info().misses == 1
    # The other way round, and a path of no page: left as it is.
    assert english_link("/en/search/?q=x", language="en") == "/search/?q=x"
    assert english_link("/no-such-page/") == "/no-such-page/"


def test_the_language_switch_follows_a_changed_urlconf():
    from common.templatetags.tongban import language_links

    def english_link() -> str:
        with translation.override("zh-hans"):
            links = {link["code"]: link for link in language_links({"request": RequestFactory().get("/search/")})}
        return links["en"]["url"]

    assert english_link() == "/en/search/"  # now cached for the site's URLconf
    with override_settings(ROOT_URLCONF="common.tests.urls_without_i18n"):
        # No language prefix in that URLconf: the address stays, rather than the cached /en/search/.
        assert english_link() == "/search/"
