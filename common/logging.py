"""Structured logging with structlog, masking personal data in every line.

Every record, from structlog or from the standard library (Django, Celery,
third parties), is rendered by :class:`MaskingProcessorFormatter`. The mask runs
on the *rendered* line, tracebacks included, so nothing reaches a handler in
full: not an ID number in an exception message, not a phone number in a URL.
"""

import logging

import structlog

from .masking import mask_personal_data

_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def _renderer(name: str):
    if name == "json":
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    # Plain tracebacks: with rich installed, structlog's default renders every frame's local
    # variables (a Django request's stack: request, settings, querysets), 0.85 s for each logged
    # 403 or 404 with an exception, which made an official's sweep of every admin URL take minutes.
    return structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)


class MaskingProcessorFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's ProcessorFormatter, with personal data masked in the output.

    :param renderer: ``"json"`` (production) or ``"console"``.
    """

    def __init__(self, renderer: str = "console", **kwargs):
        processors = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
        if renderer == "json":
            processors.append(structlog.processors.format_exc_info)
        processors.append(_renderer(renderer))
        super().__init__(processors=processors, foreign_pre_chain=_SHARED_PROCESSORS, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


class MaskingFormatter(logging.Formatter):
    """Wraps any formatter and masks personal data in what it renders: for
    handlers whose format is not ours, such as gunicorn's access log
    (common/gunicorn_logging.py)."""

    def __init__(self, inner: logging.Formatter | None = None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(self.inner.format(record))


class PersonalDataFilter(logging.Filter):
    """Masks the message of a record for handlers that do not use our formatter
    (e.g. a third-party handler added by a deployment)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = ()
        return True


def configure_structlog() -> None:
    """Route structlog through the standard library's handlers (configured by LOGGING)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
