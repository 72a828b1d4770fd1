import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, TextNode, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf, translate_url
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
            # The current language is shown, not linked: the others' address is translated.
            "url": path if code == current else _translated_url(path, code),
            "is_current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]


def _translated_url(url: str, language: str) -> str:
    # translate_url resolves the path and reverses it in the other language; the query string
    # only travels along. Keyed by the path alone, a search (a new query string each time) or a
    # page of 我的办件 pays for it once per process (57.6 -> 11.6 us per page in a micro-benchmark).
    path, separator, query = url.partition("?")
    return _translated_path(path, language, get_urlconf(), get_script_prefix(), _settings_generation) + (
        separator + query
    )


@functools.lru_cache(maxsize=4096)
def _translated_path(path: str, language: str, urlconf, script_prefix: str, settings_generation: int) -> str:
    # The URLconf, script prefix and settings generation are part of the key because the
    # translation depends on them (tests change them; a site does not). Paths that resolve to
    # nothing (a 404 page) are bounded by the cache's size like any other.
    return translate_url(path, language)


# --- {% once_per_language %} ------------------------------------------------------------------


class OncePerLanguageNode(template.Node):
    """Renders its contents once per language, URLconf and script prefix in each process, and
    then returns the same text.

    For the page chrome every page carries (header, menus, footer, script and style links):
    about forty ``{% url %}``, ``{% static %}`` and ``{% translate %}`` tags that cost 3 ms of
    every page on the benchmark machine, and whose output depends on nothing else. The contents
    are checked when the template is compiled (:func:`_check_fixed`), so no variable of a
    request, such as the user, can be rendered once and then shown to everybody.
    """

    # Not walked by get_nodes_by_type: a page that extends base.html has Django look for blocks
    # through the parent's whole tree on every render, and these contents hold none.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple, str] = {}

    def render(self, context):
        # get_urlconf(): the request's own URLconf when a middleware set one, else ROOT_URLCONF.
        key = (get_language(), get_urlconf(), get_script_prefix(), context.autoescape, _settings_generation)
        text = self.rendered.get(key)
        if text is None:
            # `{% url … as name %}` inside sets names for the fragment only.
            with context.push():
                text = self.rendered[key] = self.nodelist.render(context)
        return text


# Settings do not change in a running site; in tests they do (a URLconf, the static files' storage),
# and a fragment rendered before must not be reused after.
_settings_generation = 0


@receiver(setting_changed)
def _forget_fragments(**kwargs) -> None:
    global _settings_generation
    _settings_generation += 1


@register.tag
def once_per_language(parser, token):
    """``{% once_per_language %}…{% endonce_per_language %}``: see :class:`OncePerLanguageNode`.

    Holds text, ``{% url %}`` and ``{% static %}`` of constant arguments, ``{% translate %}`` of
    constant text, and ``{% if %}``/``{{ }}`` on names a ``{% url … as name %}`` inside set.
    """
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("once_per_language takes no arguments")
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    _check_fixed(nodelist, names=set())
    return OncePerLanguageNode(nodelist)


def _is_constant(expression) -> bool:
    if expression is None:
        return True
    if not isinstance(expression, FilterExpression) or expression.filters:
        return False
    # A quoted string is resolved when compiled; a number is a Variable with a literal value.
    return isinstance(expression.var, str) or expression.var.lookups is None


def _is_set_inside(expression, names: set) -> bool:
    return (
        isinstance(expression, FilterExpression)
        and not expression.filters
        and not isinstance(expression.var, str)
        and expression.var.lookups is not None
        and len(expression.var.lookups) == 1
        and expression.var.lookups[0] in names
    )


def _condition_is_fixed(condition, names: set) -> bool:
    if condition is None:  # {% else %}
        return True
    if isinstance(condition, TemplateLiteral):
        return _is_constant(condition.value) or _is_set_inside(condition.value, names)
    # An operator: `not x`, `x and y`, `x == y` …
    return all(_condition_is_fixed(part, names) for part in (condition.first, condition.second) if part is not None)


def _check_fixed(nodelist, *, names: set) -> None:
    for node in nodelist:
        if isinstance(node, TextNode):
            continue
        if isinstance(node, URLNode):
            arguments = [node.view_name, *node.args, *node.kwargs.values()]
            fixed = all(_is_constant(argument) for argument in arguments)
            if node.asvar:
                names.add(node.asvar)
        elif isinstance(node, StaticNode):
            fixed = _is_constant(node.path)
            if node.varname:
                names.add(node.varname)
        elif isinstance(node, TranslateNode):
            fixed = _is_constant(node.filter_expression) and _is_constant(node.message_context)
            if node.asvar:
                names.add(node.asvar)
        elif isinstance(node, IfNode):
            fixed = True
            for condition, branch in node.conditions_nodelists:
                fixed = fixed and _condition_is_fixed(condition, names)
                _check_fixed(branch, names=names)
        elif isinstance(node, VariableNode):
            fixed = _is_set_inside(node.filter_expression, names)
        else:
            fixed = False
        if not fixed:
            raise template.TemplateSyntaxError(
                f"once_per_language renders its contents once for everybody: {node.token.contents!r} "
                "may depend on the request (only text, url, static, translate and if/variables on "
                "names a url … as inside set are allowed)"
            )
