"""gunicorn settings shared by the Procfile (`make serve`) and `make bench`.

gunicorn reads ./gunicorn.conf.py by default; the Procfile names it too. The
command line still sets the bind address, workers and log destinations.
"""

# Every access and error log line goes through the personal-data masker: the
# request line carries the path and query string (common/gunicorn_logging.py).
logger_class = "common.gunicorn_logging.MaskingGunicornLogger"
