"""The Jinja2 fragments that hot pages place in their Django templates (common/fragments.py)."""

import jinja2
import pytest
from django.template import engines
from django.utils.safestring import SafeString

from common.fragments import render_fragment


def test_a_fragment_escapes_what_it_is_given_and_is_safe_to_place_in_a_page():
    html = render_fragment(
        "portal/options.html", {"options": [('a"><script>', "<b>部门</b>", True), ("x", "户籍&证件", False)]}
    )
    assert isinstance(html, SafeString)
    assert html == (
        '<option value="a&#34;&gt;&lt;script&gt;" selected>&lt;b&gt;部门&lt;/b&gt;</option>'
        '<option value="x">户籍&amp;证件</option>'
    )
    # Placed in a Django template as it is: escaped once, by Jinja2, not again.
    page = engines["django"].from_string("<select>{{ options }}</select>").render({"options": html})
    assert page == f"<select>{html}</select>"


def test_a_name_missing_from_a_fragments_context_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        render_fragment("portal/options.html", {})


def test_the_fragments_engine_always_escapes_whatever_its_options_say():
    engine = engines["fragments"]
    assert engine.env.autoescape is True
    assert engine.env.undefined is jinja2.StrictUndefined
    assert engine.from_string("{{ value }}").render({"value": "<i>"}) == "&lt;i&gt;"
