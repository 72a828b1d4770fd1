"""gunicorn settings shared by the Procfile (`make serve`) and `make bench`.

gunicorn reads ./gunicorn.conf.py by default; the Procfile names it too. The
command line still sets the bind address, workers and log destinations.
"""

# Every access and error log line goes through the personal-data masker: the
# request line carries the path and query string (common/gunicorn_logging.py).
logger_class = "common.gunicorn_logging.MaskingGunicornLogger"


# Prometheus multiprocess mode (monitoring/exposition.py, docs/operations.md): with
# PROMETHEUS_MULTIPROC_DIR set in the environment (by the service manager, before gunicorn
# starts, and emptied at each start), every worker writes its series to files there and
# /metrics adds them up. A worker that exits hands back its live-gauge files.
def child_exit(server, worker):
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Load, before a new worker takes requests, what it would otherwise load during the first
    request that needs it: jieba's dictionary, about 0.7-1 s, paid by the first search (or
    catalogue write) each worker answered."""
    from services.search import pinyin_forms, segment

    segment("办理营业执照")
    pinyin_forms("营业")
