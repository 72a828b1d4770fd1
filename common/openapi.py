"""The OpenAPI schema states every operation's problem+json errors.

One drf-spectacular postprocessing hook, so no view has to repeat them: every operation can answer 401 (an
invalid or revoked bearer token is refused even where anonymous callers are welcome); an operation that asks
for OAuth2 scopes can answer 403 ``insufficient_scope``; one that takes a body or query parameters (a
filter, a cursor, a page size) can answer 400; one addressed by a path parameter can answer 404. A response a
view declares itself is kept, and a 4xx it declares with a description only gets the problem+json body every
API error has. Which operations are throttled only the view
knows, so :class:`ProblemAutoSchema` (the ``DEFAULT_SCHEMA_CLASS``) adds their 429.

What only some operations answer (409 for a parallel submit, 422 for a reused ``Idempotency-Key``, 410
for a withdrawn share …) each view declares with :func:`problem_responses`, one :class:`Problem` per
``code`` it can answer, so partners see every ``code`` with an example body::

    @extend_schema(responses={201: OrderSerializer, **problem_responses(KEY_REUSED, IN_FLIGHT)})
"""

from dataclasses import dataclass

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .problems import PROBLEM_CONTENT_TYPE, problem_body

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


def _problem_schema() -> dict:
    """The one ``Problem`` component (added by :func:`problem_responses_hook`), by reference."""
    return {"$ref": "#/components/schemas/Problem"}


def _problem_content() -> dict:
    return {PROBLEM_CONTENT_TYPE: {"schema": _problem_schema()}}


_DESCRIPTIONS = {
    400: "problem+json: the request is invalid (the body names each field)",
    401: 'problem+json: no valid bearer token (`WWW-Authenticate: Bearer error="invalid_token"`)',
    403: "problem+json: `insufficient_scope` (naming the scope) or not allowed",
    404: "problem+json: no such object, or not yours",
    429: "problem+json: `throttled`, too many requests (`Retry-After` gives the seconds to wait)",
}
_WRITES = {"post", "put", "patch"}


@dataclass(frozen=True)
class Problem:
    """One problem+json answer an operation can give: its status, ``code`` and an example ``detail``."""

    status: int
    code: str
    detail: str
    title: str = ""


def problem_responses(*problems: Problem) -> dict:
    """``extend_schema(responses=...)`` entries for ``problems``: one problem+json response per
    status, with one example per ``code`` (several codes may share a status)."""
    by_status: dict[int, list[Problem]] = {}
    for problem in problems:
        by_status.setdefault(problem.status, []).append(problem)
    responses = {}
    for status, group in sorted(by_status.items()):
        responses[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            response=_problem_schema(),
            description="problem+json: " + "; ".join(f"`{problem.code}`" for problem in group),
            examples=[
                OpenApiExample(
                    problem.code,
                    value=problem_body(
                        status=status, code=problem.code, detail=problem.detail, title=problem.title or None
                    ),
                    status_codes=[str(status)],
                    response_only=True,
                )
                for problem in group
            ],
        )
    return responses


def _problem(status: int) -> dict:
    return {"description": _DESCRIPTIONS[status], "content": _problem_content()}


class ProblemAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema``, stating the 429 of every throttled operation."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation and self.view.get_throttles():
            operation["responses"].setdefault("429", _problem(429))
        return operation


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
            if method in _WRITES or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            ):
                # A body, a cursor, a page size or a filter can be invalid.
                statuses.append(400)
            if "{" in path:
                statuses.append(404)
            for status in statuses:
                operation["responses"].setdefault(str(status), _problem(status))
            for status, response in operation["responses"].items():
                if str(status).startswith("4") and not response.get("content"):
                    # Every API error is problem+json (common.api), also where a view described only why.
                    response["content"] = _problem_content()
    return result
