"""RFC 9457 problem details: the one shape of every API error."""

from http import HTTPStatus

from django.conf import settings
from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(code: str) -> str:
    """The stable ``type`` URI of a problem ``code``: its entry in the partner guide's error catalogue."""
    return f"{settings.PROBLEM_TYPE_BASE}#{code}"


def problem_body(*, status: int, code: str, detail, title=None, **extra) -> dict:
    title = title or HTTPStatus(status).phrase
    body = {
        "type": problem_type(code),
        "title": str(title),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    body.update(extra)
    return body


def problem_response(*, status: int, code: str, detail, title=None, **extra) -> JsonResponse:
    """A plain Django response with a problem+json body, for non-DRF views."""
    body = problem_body(status=status, code=code, detail=detail, title=title, **extra)
    return JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
