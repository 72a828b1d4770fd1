"""DRF glue shared by every app's API."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from .exceptions import ApplicationError
from .problems import PROBLEM_CONTENT_TYPE, problem_body


def _problem(status: int, code: str, detail, headers=None, **extra) -> Response:
    return Response(
        problem_body(status=status, code=code, detail=detail, **extra),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def _rollback(context) -> None:
    """Roll back the request's transaction (ATOMIC_REQUESTS). A view marked
    ``non_atomic_requests`` has none: a transaction around it is not its own to roll back."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is not None and getattr(match.func, "_non_atomic_requests", None):
        return
    set_rollback()


def problem_exception_handler(exc, context):
    """Answer every API error as ``application/problem+json`` (RFC 9457).

    ``ApplicationError`` carries its own code and status. DRF's exceptions keep
    their status; validation errors list the invalid fields under ``errors``.
    Anything else is left to Django (a 500 with no details).
    """
    if isinstance(exc, ApplicationError):
        _rollback(context)
        return _problem(exc.status, exc.code, exc.message, **exc.extra)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    _rollback(context)

    if isinstance(exc, exceptions.ValidationError):
        return _problem(
            exc.status_code,
            "invalid",
            _("提交的数据有误，请检查后重试。"),
            headers=headers,
            errors=exc.detail,
        )
    detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    # An exception may add members to the body, e.g. insufficient_scope's required_scopes.
    extra = getattr(exc, "problem_extra", None) or {}
    return _problem(exc.status_code, exc.default_code, detail, headers=headers, **extra)
