"""Refusing input PostgreSQL cannot store, and answering domain errors that escape a page view.

:class:`RequestGuardMiddleware`

* refuses a NUL character in any query or form key or value (PostgreSQL's
  text and ``jsonb`` refuse it: a ``DataError`` otherwise) with a 400 page, or
  problem+json on the API, before any view runs;
* answers an :class:`~common.exceptions.ApplicationError` that a page view did
  not handle with its own status and message, and a lock conflict (deadlock,
  lock timeout, serialization failure) with 409, and a Redis or broker outage
  that reached a view needing Redis with 503 and a clear page, instead of a 500.
"""

import redis
import structlog
from django.db import OperationalError
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .exceptions import ApplicationError
from .views import error_response

log = structlog.get_logger(__name__)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# PostgreSQL SQLSTATEs of a lost race: deadlock, lock not available, serialization failure.
_CONFLICT_SQLSTATES = {"40P01", "55P03", "40001"}


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (
            request.method == "POST"
            and request.content_type in _FORM_TYPES
            and (_has_nul(request.POST) or any("\x00" in f.name for f in request.FILES.values()))
        ):
            log.warning("input_refused", reason="nul_character", path=request.path)
            return error_response(request, 400, "nul_character", _("提交的内容含有不允许的空字符，请删除后重试。"))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError):
            return error_response(request, exception.status, exception.code, exception.message)
        if isinstance(exception, OperationalError):
            sqlstate = getattr(getattr(exception, "__cause__", None), "sqlstate", None)
            if sqlstate in _CONFLICT_SQLSTATES:
                log.warning("lock_conflict", sqlstate=sqlstate, path=request.path)
                return error_response(request, 409, "conflict", _("该事项正在被处理，请刷新页面查看最新状态。"))
        if isinstance(exception, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, BrokerError)):
            log.error("redis_unavailable", error=exception.__class__.__name__, path=request.path)
            response = error_response(
                request, 503, "temporarily_unavailable", _("此功能暂时不可用，请稍后再试。其他办事功能不受影响。")
            )
            response["Retry-After"] = "30"
            return response
        return None
