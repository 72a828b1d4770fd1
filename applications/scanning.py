"""Malware scanning of uploads through clamd's INSTREAM command.

Protocol (clamd(8)): send ``zINSTREAM\\0``, then the file as chunks each
prefixed by its length as a 4-byte big-endian integer, then a zero-length
chunk; clamd answers ``stream: OK`` or ``stream: <signature> FOUND``.
``CLAMD_ADDRESS`` is ``host:port`` or a Unix socket path.
"""

import datetime
import logging
import socket
import struct

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .constants import ScanStatus
from .models import SubmittedMaterial

CHUNK = 64 * 1024

logger = logging.getLogger(__name__)


def clamd_scan(content: bytes, *, address: str, timeout: float = 30.0) -> str | None:
    """The signature name if clamd finds one, else None. Raises OSError if clamd is unreachable."""
    if ":" in address and not address.startswith("/"):
        host, port = address.rsplit(":", 1)
        connection = socket.create_connection((host, int(port)), timeout=timeout)
    else:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(address)
    with connection:
        connection.sendall(b"zINSTREAM\0")
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        answer = b""
        while not answer.endswith(b"\0"):
            data = connection.recv(4096)
            if not data:
                break
            answer += data
    reply = answer.rstrip(b"\0").decode(errors="replace")
    if reply.endswith("FOUND"):
        return reply.split(":", 1)[1].rsplit(" ", 1)[0].strip()
    if not reply.endswith("OK"):
        raise OSError(f"unexpected clamd reply: {reply[:100]}")
    return None


def material_scan(*, material_id: int) -> str:
    """Scan one pending material; an infected file is deleted and marked so.

    Idempotent: a material that is no longer pending is left alone, and the
    copies a bundle's sub-cases hold of the same stored file take its result.
    If clamd cannot be reached, the attempt and its error are recorded on the
    material and ``OSError`` is raised, so that the task retries.
    """
    with transaction.atomic():
        material = SubmittedMaterial.objects.select_for_update().filter(pk=material_id).first()
        if material is None or material.scan_status != ScanStatus.PENDING:
            return "skipped"
        stored_name = material.file.name
        try:
            with material.file.open("rb") as handle:
                signature = clamd_scan(handle.read(), address=settings.CLAMD_ADDRESS)
        except OSError as exc:
            error = f"{exc.__class__.__name__}: {exc}"[:300]
        else:
            if signature:
                material.file.delete(save=False)
            status = ScanStatus.INFECTED if signature else ScanStatus.CLEAN
            SubmittedMaterial.objects.filter(file=stored_name, scan_status=ScanStatus.PENDING).update(
                scan_status=status,
                file=material.file.name or "",
                scan_attempts=F("scan_attempts") + 1,
                scan_checked_at=timezone.now(),
                scan_last_error="",
            )
            return status
    SubmittedMaterial.objects.filter(pk=material_id, scan_status=ScanStatus.PENDING).update(
        scan_attempts=F("scan_attempts") + 1, scan_checked_at=timezone.now(), scan_last_error=error
    )
    logger.warning("malware scan of material %s failed (%s); it will be retried", material_id, error)
    raise OSError(error)


def material_scan_queue(*, material_id: int) -> bool:
    """Queue the scan of one material (after the commit that stored it).

    True if queued. If the broker is down, nothing is lost: the beat sweeper
    (:func:`materials_scan_due_ids`) queues it later.
    """
    from .tasks import scan_material

    try:
        scan_material.delay(material_id)
    except Exception as exc:  # broker unreachable
        logger.warning("scan of material %s not queued (%s); the sweeper will", material_id, exc.__class__.__name__)
        return False
    return True


def scan_stuck_before(*, stuck_after_seconds: int | None = None) -> datetime.datetime:
    """Materials still pending since before this moment are stuck."""
    seconds = settings.MALWARE_SCAN_STUCK_AFTER_SECONDS if stuck_after_seconds is None else stuck_after_seconds
    return timezone.now() - datetime.timedelta(seconds=seconds)


def materials_scan_stuck(*, stuck_after_seconds: int | None = None):
    """Pending materials uploaded longer ago than the threshold (shown to officials as stuck)."""
    return SubmittedMaterial.objects.filter(
        scan_status=ScanStatus.PENDING, created_at__lte=scan_stuck_before(stuck_after_seconds=stuck_after_seconds)
    )


def materials_scan_due_ids(*, stuck_after_seconds: int | None = None, limit: int = 500) -> list[int]:
    """Stuck materials not tried within the threshold either: the ones the sweeper queues again.

    One material per stored file (a bundle's copies follow its result)."""
    before = scan_stuck_before(stuck_after_seconds=stuck_after_seconds)
    due = (
        materials_scan_stuck(stuck_after_seconds=stuck_after_seconds)
        .filter(Q(scan_checked_at__isnull=True) | Q(scan_checked_at__lte=before))
        .order_by("pk")
        .values_list("pk", "file")
    )
    ids, files = [], set()
    for pk, stored_name in due.iterator(chunk_size=1000):
        if stored_name not in files:
            files.add(stored_name)
            ids.append(pk)
            if len(ids) >= limit:
                break
    return ids
