"""gunicorn's logger with personal data masked in every line it writes.

gunicorn writes its access log (``--access-logfile``) and error log through its
own handlers, outside Django's LOGGING, so the request line — path and query
string included — would reach the log in full. This logger class wraps the
formatter of every handler gunicorn sets up (stream, file, syslog, or a
``logconfig_dict``) in :class:`common.logging.MaskingFormatter`.

``gunicorn.conf.py`` names it: ``logger_class = "common.gunicorn_logging.MaskingGunicornLogger"``.
"""

import logging

from gunicorn.glogging import Logger

from .logging import MaskingFormatter


class MaskingGunicornLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not isinstance(handler.formatter, MaskingFormatter):
                    handler.setFormatter(MaskingFormatter(handler.formatter or logging.Formatter()))
