"""The per-process series: counters and histograms updated where things happen.

Every name here is documented in docs/operations.md. Labels take values from small,
fixed sets only (view names, HTTP methods, status classes, registered task and gateway
names), never from the request path or user input: each label value is a new series.

Under gunicorn with several workers, ``PROMETHEUS_MULTIPROC_DIR`` puts prometheus-client
in multiprocess mode (it reads the variable when first imported): each process writes
its values to files there, and the scrape adds them up (monitoring/exposition.py).
"""

from prometheus_client import Counter, Histogram

# Latency buckets in seconds: from a cached page to a slow report.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "tongban_http_requests",
    "HTTP requests answered, by view name, method and status class.",
    ["view", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "tongban_http_request_duration_seconds",
    "Time from the metrics middleware receiving a request to its response, by view name and method.",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
CELERY_TASK_FAILURES = Counter(
    "tongban_celery_task_failures",
    "Celery tasks that raised (Celery's task_failure signal), by task name.",
    ["task"],
)
PAYMENT_NOTIFICATIONS = Counter(
    "tongban_payment_notifications",
    "Payment gateways' asynchronous notifications received, by gateway and result.",
    ["gateway", "result"],
)
WEBHOOK_ATTEMPT_FAILURES = Counter(
    "tongban_webhook_attempt_failures",
    "Webhook POSTs to partners that failed (no answer or a non-2xx status).",
)
