"""The OpenAPI schema states every operation's problem+json errors.

One drf-spectacular postprocessing hook, so no view has to repeat them: every operation can answer 401 (an
invalid or revoked bearer token is refused even where anonymous callers are welcome); an operation that asks
for OAuth2 scopes can answer 403 ``insufficient_scope``; one that takes a body can answer 400; one addressed
by a path parameter can answer 404. A response a view declares itself is kept as it is.
"""

from .problems import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

_DESCRIPTIONS = {
    400: "problem+json: the request is invalid (the body names each field)",
    401: 'problem+json: no valid bearer token (`WWW-Authenticate: Bearer error="invalid_token"`)',
    403: "problem+json: `insufficient_scope` (naming the scope) or not allowed",
    404: "problem+json: no such object, or not yours",
}
_WRITES = {"post", "put", "patch"}


def _problem(status: int) -> dict:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problem_responses_hook(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: add the problem responses each operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = [401]
            if any("oauth2" in requirement for requirement in operation.get("security") or []):
                statuses.append(403)
            if method in _WRITES:
                statuses.append(400)
            if "{" in path:
                statuses.append(404)
            for status in statuses:
                operation["responses"].setdefault(str(status), _problem(status))
    return result
