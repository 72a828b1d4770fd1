"""``Idempotency-Key`` for every POST of the partner API (draft-ietf-httpapi-idempotency-key-header).

A view takes part by mixing in :class:`IdempotentPostMixin` (first among its bases)::

    class DraftCreate(IdempotentPostMixin, _DraftBase): ...

and a view that needs the key sets ``idempotency_key_required = True`` (payments). The rules:

* The same key with the same request (method, path and canonical body) answers what the first
  request answered: the same status, the same bytes, with ``Idempotent-Replayed: true``. Nothing
  runs a second time, so the same resource comes back, not a second one.
* The same key with another request is 422 ``idempotency_key_reused``.
* A key whose first request is still running is 409 ``request_in_flight``.
* Keys are scoped to the caller: the OAuth2 client (``client_id``) and the user (none for a
  client-credentials token). Two partners using the same key never meet.
* The key is up to 128 printable ASCII characters, quoted (a structured-field string, as the
  draft sends it) or bare. Another is 400 ``idempotency_key_invalid`` (``idempotency_key_missing``
  where the key is required, as is a missing one).
* An answer is stored when the request's work is kept. A request that fails with an error that
  rolls its transaction back (a raised ``ApplicationError``, validation error, 404 …) leaves no
  key: it changed nothing, so a retry runs again. A 5xx answer is never stored: the key is freed.
* Keys live ``IDEMPOTENCY_KEY_TTL_HOURS`` (24) hours at least; :func:`idempotency_keys_purge`
  (the ``common.purge_idempotency_keys`` beat task) deletes older ones.

Concurrency. Requests run in one transaction (``ATOMIC_REQUESTS``). The key row is inserted at
the start of the request, in flight, inside that transaction: a concurrent request with the same
key waits on the unique index until the first commits, then replays its answer (or, if the first
rolled back, runs itself). It waits at most ``IDEMPOTENCY_KEY_WAIT_SECONDS`` (5): a first request
still running then is 409, as is a key row seen in flight (a first request outside a request
transaction, or a crashed one that committed it).
"""

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .exceptions import ApplicationError
from .models import IdempotencyKey
from .openapi import Problem, ProblemAutoSchema
from .problems import PROBLEM_CONTENT_TYPE, problem_body

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired

KEY_MISSING = Problem(400, "idempotency_key_missing", "请提供 Idempotency-Key 请求头（不超过128个字符）。")
KEY_INVALID = Problem(400, "idempotency_key_invalid", "Idempotency-Key 请求头须为不超过128个可打印ASCII字符。")
KEY_REUSED = Problem(422, "idempotency_key_reused", "该 Idempotency-Key 已用于另一请求内容。")
IN_FLIGHT = Problem(409, "request_in_flight", "使用该 Idempotency-Key 的请求仍在处理中。")


@dataclass(frozen=True)
class Begun:
    row: IdempotencyKey | None = None  # ours to finish
    replay: IdempotencyKey | None = None  # the finished first request
    conflict: str = ""  # "in_flight" or "body_mismatch"


def _canonical(value):
    """``value`` as JSON-able data; an uploaded file as its name, size and SHA-256."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(*, method: str, path: str, data) -> str:
    """A digest of the request: method, path and the parsed body as canonical JSON (sorted keys).
    A form or multipart body (a ``QueryDict``) counts each field with all its values."""
    if hasattr(data, "lists"):
        data = dict(data.lists())
    canonical = json.dumps(
        [method.upper(), path, _canonical(data)], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_begin(*, client: str, user, key: str, fingerprint: str) -> Begun:
    """Claim ``key`` for this caller, or say what the earlier request with it answered.

    A first request with the key that has not committed yet is waited for at most
    ``IDEMPOTENCY_KEY_WAIT_SECONDS``; then the answer is "in flight" (its body unknown)."""
    try:
        with transaction.atomic(), _lock_wait_bounded():
            return Begun(row=IdempotencyKey.objects.create(client=client, user=user, key=key, fingerprint=fingerprint))
    except IntegrityError:
        existing = IdempotencyKey.objects.get(client=client, user=user, key=key)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        return Begun(conflict="in_flight")
    if existing.fingerprint != fingerprint:
        return Begun(conflict="body_mismatch")
    if existing.in_flight:
        return Begun(conflict="in_flight")
    return Begun(replay=existing)


@contextmanager
def _lock_wait_bounded():
    """Bound how long the key's insert waits on a concurrent first request (PostgreSQL's
    ``lock_timeout``, for the enclosing savepoint only: restored after, undone by its rollback)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        wait = f"{max(1, int(settings.IDEMPOTENCY_KEY_WAIT_SECONDS * 1000))}ms"
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def idempotency_finish(row: IdempotencyKey, *, status: int, content_type: str, body: bytes) -> None:
    row.in_flight = False
    row.response_status, row.response_content_type = status, content_type
    row.response_body = body.decode()
    row.save(update_fields=["in_flight", "response_status", "response_content_type", "response_body"])


def idempotency_abandon(row: IdempotencyKey) -> None:
    """The request failed: the key may be used again."""
    IdempotencyKey.objects.filter(pk=row.pk, in_flight=True).delete()


def idempotency_keys_purge(*, now=None) -> int:
    """Delete keys older than ``IDEMPOTENCY_KEY_TTL_HOURS``; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def header_key(value: str) -> str:
    """The key in an ``Idempotency-Key`` header: the draft sends it as a structured-field string
    (``"abc"``); a bare value is taken as it is."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def key_is_valid(key: str) -> bool:
    """At most 128 printable ASCII characters (a structured-field string's alphabet)."""
    return len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)


def request_caller(request) -> tuple[str, object]:
    """Whom a key belongs to: the OAuth2 client's ``client_id`` ("" without a token) and the user
    (``None`` for a client-credentials token)."""
    application = getattr(request.auth, "application", None)
    user = request.user if request.user and request.user.is_authenticated else None
    return (application.client_id if application is not None else ""), user


def replay_response(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        row.response_body.encode(), status=row.response_status, content_type=row.response_content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


class _Replayed(Exception):  # a control-flow signal: replay the stored answer
    def __init__(self, response):
        self.response = response


class IdempotentAutoSchema(ProblemAutoSchema):
    """States the ``Idempotency-Key`` header and its 400/409/422 problems on a POST, beside
    whatever the view's own ``extend_schema`` declares."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method != "POST":
            return parameters
        header = OpenApiParameter(
            HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=self.view.idempotency_key_required,
            description=(
                "Up to 128 printable ASCII characters (quoted as a structured-field string, or bare). "
                "A retry with the same key and body gets the same answer (`Idempotent-Replayed: true`); "
                "another body with that key is 422, a retry while the first is running 409. "
                "Keys are kept at least 24 hours."
            ),
        )
        # An explicit declaration by the view (later in the list) wins over this one.
        return [header, *parameters]

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation or self.method != "POST":
            return operation
        key_problem = KEY_MISSING if self.view.idempotency_key_required else KEY_INVALID
        for problem in (key_problem, IN_FLIGHT, KEY_REUSED):
            _add_problem(operation["responses"], problem)
        return operation


def _add_problem(responses: dict, problem: Problem) -> None:
    """Add ``problem`` as an example to the operation's problem+json response for its status."""
    status = str(problem.status)
    if status not in responses:
        responses[status] = {"description": "problem+json"}
        if problem.status == 400:  # what every write can answer (common.openapi) comes first
            _add_problem(responses, Problem(400, "invalid", "提交的数据有误，请检查后重试。"))
    response = responses[status]
    content = response.setdefault("content", {}).setdefault(
        PROBLEM_CONTENT_TYPE, {"schema": {"$ref": "#/components/schemas/Problem"}}
    )
    examples = content.setdefault("examples", {})
    if any(example.get("value", {}).get("code") == problem.code for example in examples.values()):
        return
    examples["".join(part.title() for part in problem.code.split("_"))] = {
        "value": problem_body(status=problem.status, code=problem.code, detail=problem.detail),
        "summary": problem.code,
    }
    description = response.get("description") or "problem+json"
    separator = "; " if "`" in description else ": "
    response["description"] = f"{description}{separator}`{problem.code}`"


class IdempotentPostMixin:
    """Makes a DRF view's POST honour ``Idempotency-Key`` (see the module docstring).

    Put it first among the view's bases. The key is claimed after authentication, permissions and
    throttles, so a caller that may not POST never reserves one.
    """

    idempotency_key_required = False
    schema = IdempotentAutoSchema()

    def initial(self, request, *args, **kwargs):
        self._idempotency_row = None
        super().initial(request, *args, **kwargs)
        if request.method != "POST":
            return
        key = header_key(request.headers.get(HEADER, ""))
        if not key:
            if self.idempotency_key_required:
                raise ApplicationError(_("请提供 Idempotency-Key 请求头（不超过128个字符）。"), code=KEY_MISSING.code)
            return
        if not key_is_valid(key) and self.idempotency_key_required:
            raise ApplicationError(_("请提供 Idempotency-Key 请求头（不超过128个字符）。"), code=KEY_MISSING.code)
        if not key_is_valid(key):
            raise ApplicationError(_("Idempotency-Key 请求头须为不超过128个可打印ASCII字符。"), code=KEY_INVALID.code)
        client, user = request_caller(request)
        if not client and user is None:
            return  # an anonymous caller has no key space of its own (no partner API POST allows one)
        fingerprint = request_fingerprint(method=request.method, path=request.path, data=request.data)
        begun = idempotency_begin(client=client, user=user, key=key, fingerprint=fingerprint)
        if begun.conflict == "body_mismatch":
            raise ApplicationError(_("该 Idempotency-Key 已用于另一请求内容。"), code=KEY_REUSED.code, status=422)
        if begun.conflict == "in_flight":
            raise ApplicationError(_("使用该 Idempotency-Key 的请求仍在处理中。"), code=IN_FLIGHT.code, status=409)
        if begun.replay is not None:
            raise _Replayed(replay_response(begun.replay))
        self._idempotency_row = begun.row

    def handle_exception(self, exc):
        if isinstance(exc, _Replayed):
            return exc.response
        try:
            return super().handle_exception(exc)
        except BaseException:
            # Unhandled: a 500. Inside the request's transaction the key goes with its rollback.
            if not connection.in_atomic_block:
                self._idempotency_settle(None)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "_idempotency_row", None) is not None:
            self._idempotency_settle(response)
        return response

    def _idempotency_settle(self, response) -> None:
        row, self._idempotency_row = self._idempotency_row, None
        if row is None:
            return
        if connection.in_atomic_block and transaction.get_rollback():
            return  # the request's work is undone, and the key row with it
        if response is None or response.status_code >= 500:
            idempotency_abandon(row)
            return
        if hasattr(response, "render"):
            response.render()
        idempotency_finish(
            row, status=response.status_code, content_type=response.get("Content-Type", ""), body=response.content
        )
