"""Rows that the hot pages repeat, rendered by Jinja2 and placed in a Django template as one value.

A Django template spends 30-40 µs on each row of a table like 我的办件 (a dozen variables,
a few conditions); Jinja2 compiles a template to Python and renders the same row in about a
fifth of that (10 rows: 376 -> 78 µs). The pages themselves stay Django templates, with their
blocks, tags and translations; only a page's repeated rows come from ``<app>/jinja2/``
through the ``fragments`` engine (settings ``TEMPLATES``).

A fragment holds markup and the values it is given, never text of its own: labels are
translated by the view, once a page, so that ``makemessages`` finds them in Python.
"""

import jinja2
from django.template import engines
from django.utils.safestring import SafeString, mark_safe


def environment(**options) -> jinja2.Environment:
    """The ``fragments`` engine's Jinja2 environment: always autoescaping (render_fragment marks
    its output safe), and a name the fragment's context lacks is an error, not an empty string."""
    options.update(autoescape=True, undefined=jinja2.StrictUndefined)
    return jinja2.Environment(**options)  # noqa: S701 - autoescape is forced on just above


def render_fragment(template_name: str, context: dict) -> SafeString:
    """``template_name`` from the ``fragments`` engine, rendered with ``context``: HTML escaped by
    Jinja2's autoescaping, so safe to place in a Django template as it is."""
    return mark_safe(engines["fragments"].get_template(template_name).render(context))  # noqa: S308
