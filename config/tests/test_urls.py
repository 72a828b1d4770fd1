"""The portal's routes shadow nobody: ``config/urls.py`` tries them first for speed (the
hottest anonymous pages), which is only safe while no other app's route answers the same
path as one of theirs."""

import re
import uuid

from django.urls import get_resolver
from django.urls.resolvers import LocalePrefixPattern, RoutePattern, URLPattern, URLResolver

SAMPLE_BY_CONVERTER = {"int": "7", "slug": "sample-1", "str": "sample-1", "uuid": str(uuid.UUID(int=7)), "path": "a/b"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _endpoints(patterns, prefix: str = ""):
    """Each endpoint as (full route, view), for route-style patterns only (regex routes have no sample)."""
    for pattern in patterns:
        if isinstance(pattern.pattern, LocalePrefixPattern):
            # The default language has no prefix (prefix_default_language=False).
            route = prefix
        elif isinstance(pattern.pattern, RoutePattern):
            route = prefix + str(pattern.pattern)
        else:
            continue
        if isinstance(pattern, URLResolver):
            yield from _endpoints(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.lookup_str


def _sample_path(route: str) -> str:
    return "/" + _CONVERTER.sub(lambda m: SAMPLE_BY_CONVERTER.get(m["converter"] or "str", "sample-1"), route)


def _full_regex(route: str) -> re.Pattern:
    def converter_regex(match):
        return {"int": "[0-9]+", "path": ".+", "uuid": "[0-9a-f-]{36}"}.get(match["converter"] or "str", "[^/]+")

    parts = _CONVERTER.split(route)
    # split() interleaves literal text with the converter and name groups.
    regex = ""
    for index in range(0, len(parts), 3):
        regex += re.escape(parts[index])
        if index + 1 < len(parts):
            regex += converter_regex({"converter": parts[index + 1]})
    return re.compile(f"^/{regex}$")


def test_no_other_route_answers_a_portal_path_or_the_reverse():
    endpoints = [(route, view, _full_regex(route)) for route, view in _endpoints(get_resolver().url_patterns)]
    portal = [endpoint for endpoint in endpoints if endpoint[1].startswith("portal.")]
    others = [endpoint for endpoint in endpoints if not endpoint[1].startswith("portal.")]
    assert len(portal) >= 10
    assert len(others) > 100
    clashes = [
        (route, other_route)
        for route, _view, regex in portal
        for other_route, _other_view, other_regex in others
        if other_regex.match(_sample_path(route)) or regex.match(_sample_path(other_route))
    ]
    assert clashes == []
