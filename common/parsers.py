"""The API's JSON parser, with limits that turn hostile bodies into a 400.

* nesting deeper than ``API_JSON_MAX_DEPTH`` is refused before Python's
  recursive decoder sees it (100,000 levels would raise ``RecursionError``);
* a NUL character in any key or string is refused: PostgreSQL's ``jsonb`` and
  text columns cannot store it.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (strings are skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
            depth -= 1
    return False


def contains_nul(value) -> bool:
    """True when a NUL character appears in any string or key of decoded JSON (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONTooDeep(ParseError):
    default_code = "json_too_deep"


class NulCharacter(ParseError):
    default_code = "nul_character"


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser with a depth limit and NUL refusal (both answer problem+json 400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        limit = settings.API_JSON_MAX_DEPTH
        if json_depth_exceeds(raw, limit):
            raise JSONTooDeep(_("JSON嵌套层数过多（最多%(limit)d层）。") % {"limit": limit})
        if not raw.strip():
            raise ParseError(_("请求体为空。"))
        try:
            data = json.loads(raw.decode(settings.DEFAULT_CHARSET))
        except (ValueError, RecursionError):
            raise ParseError(_("JSON格式有误。")) from None
        if contains_nul(data):
            raise NulCharacter(_("请求中含有不允许的空字符（\\u0000）。"))
        return data
