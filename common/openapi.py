"""The OpenAPI schema states every operation's problem+json errors.

One drf-spectacular postprocessing hook, so no view has to repeat them: every operation can answer 401 (an
invalid or revoked bearer token is refused even where anonymous callers are welcome); an operation that asks
for OAuth2 scopes can answer 403 ``insufficient_scope``; one that takes a body or query parameters (a
filter, a cursor, a page size) can answer 400; one addressed by a path parameter can answer 404. A response a
view declares itself is kept, and a 4xx it declares with a description only gets the problem+json body every
API error has, with an example body for each ``code``; one that takes a body can answer 415. Which operations
are throttled only the view knows, so :class:`ProblemAutoSchema` (the ``DEFAULT_SCHEMA_CLASS``) adds their 429.

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


def _problem_content(status: int | None = None) -> dict:
    media = {"schema": _problem_schema()}
    if status in _EXAMPLES:
        media["examples"] = {
            # Named as drf-spectacular names the examples of problem_responses: invalid_token → InvalidToken.
            code.title().replace("_", ""): {"value": problem_body(status=status, code=code, detail=detail, **extra)}
            for code, detail, extra in _EXAMPLES[status]
        }
    return {PROBLEM_CONTENT_TYPE: media}


_DESCRIPTIONS = {
    400: "problem+json: the request is invalid (the body names each field)",
    401: 'problem+json: no valid bearer token (`WWW-Authenticate: Bearer error="invalid_token"`)',
    403: "problem+json: `insufficient_scope` (naming the scope) or not allowed",
    404: "problem+json: no such object, or not yours",
    415: "problem+json: a request body in a media type the operation does not take",
    429: "problem+json: `throttled`, too many requests (`Retry-After` gives the seconds to wait)",
}
# An example body for each ``code`` the common answers carry (what common.api's handler sends).
_EXAMPLES = {
    400: [
        ("invalid", "提交的数据有误，请检查后重试。", {"errors": {"field": ["该字段是必填项。"]}}),
        ("nul_character", "提交的内容含有不允许的空字符，请删除后重试。", {}),
    ],
    401: [
        ("not_authenticated", "身份认证信息未提供。", {}),
        ("invalid_token", "访问令牌无效、已过期或已被撤销。", {}),
    ],
    403: [
        (
            "insufficient_scope",
            "访问令牌缺少所需的权限范围：applications:read",
            {"required_scopes": ["applications:read"]},
        ),
        ("permission_denied", "您没有执行该操作的权限。", {}),
    ],
    404: [("not_found", "未找到。", {})],
    415: [("unsupported_media_type", "不支持请求中的媒体类型 “text/plain”。", {})],
    429: [("throttled", "请求已被限流。", {})],
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
    return {"description": _DESCRIPTIONS[status], "content": _problem_content(status)}


# Operation extension naming whose token an operation needs, where only one kind will do.
CALLER_EXTENSION = "x-token"


class ProblemAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema``, stating the 429 of every throttled operation, and
    ``x-token: resident`` on operations that act for a signed-in resident (a permission class
    with ``requires_user = True``): a client-credentials token is refused there."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation and self.view.get_throttles():
            operation["responses"].setdefault("429", _problem(429))
        if operation and any(getattr(permission, "requires_user", False) for permission in self.view.get_permissions()):
            operation[CALLER_EXTENSION] = "resident"
        return operation


def problem_responses_hook(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: add the problem responses each operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = [401]
            security = operation.get("security") or []
            if any("oauth2" in requirement for requirement in security) and {} not in security:
                # A public operation (``{}`` among its requirements) answers no 403 for a missing scope.
                statuses.append(403)
            queried = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
            if method in _WRITES or queried:
                # A body, a cursor, a page size or a filter can be invalid.
                statuses.append(400)
            if "requestBody" in operation:
                statuses.append(415)
            if "{" in path:
                statuses.append(404)
            for status in statuses:
                operation["responses"].setdefault(str(status), _problem(status))
            for status, response in operation["responses"].items():
                if not str(status).startswith("4"):
                    continue
                # Every API error is problem+json (common.api), also where a view described only why,
                # and every problem response shows an example body.
                content = response.setdefault("content", {})
                if not content:
                    content.update(_problem_content(int(status)))
                media = content.get(PROBLEM_CONTENT_TYPE)
                if media is not None and not media.get("examples") and int(status) in _EXAMPLES:
                    media["examples"] = _problem_content(int(status))[PROBLEM_CONTENT_TYPE]["examples"]
    _keep_used_scopes(result)
    return result


# Scopes OpenID Connect itself uses (the ID token and /o/userinfo/), listed even where no API operation asks for them.
OIDC_SCOPES = frozenset({"openid", "profile", "phone"})


def _keep_used_scopes(result) -> None:
    """List in the ``oauth2`` scheme only the scopes some operation asks for, or OpenID Connect uses:
    a scope for an endpoint that does not exist yet is not offered to partners. The
    client-credentials flow lists only the scopes of operations a partner's own token may call
    (not ``x-token: resident``), and none of OpenID Connect's, which sign a resident in."""
    used = set(OIDC_SCOPES)
    for_clients = set()
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                for requirement in operation.get("security") or []:
                    used.update(requirement.get("oauth2", []))
                    if operation.get(CALLER_EXTENSION) != "resident":
                        for_clients.update(requirement.get("oauth2", []))
    scheme = result.get("components", {}).get("securitySchemes", {}).get("oauth2")
    for name, flow in (scheme or {}).get("flows", {}).items():
        offered = for_clients if name == "clientCredentials" else used
        flow["scopes"] = {scope: text for scope, text in flow.get("scopes", {}).items() if scope in offered}
