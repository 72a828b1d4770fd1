"""Malware scanning of uploads through clamd's INSTREAM command.

Protocol (clamd(8)): send ``zINSTREAM\\0``, then the file as chunks each
prefixed by its length as a 4-byte big-endian integer, then a zero-length
chunk; clamd answers ``stream: OK`` or ``stream: <signature> FOUND``.
``CLAMD_ADDRESS`` is ``host:port`` or a Unix socket path.
"""

import socket
import struct

from django.conf import settings
from django.db import transaction

from .constants import ScanStatus
from .models import SubmittedMaterial

CHUNK = 64 * 1024


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
    """Scan one pending material; an infected file is deleted and marked so."""
    with transaction.atomic():
        material = SubmittedMaterial.objects.select_for_update().filter(pk=material_id).first()
        if material is None or material.scan_status != ScanStatus.PENDING:
            return "skipped"
        with material.file.open("rb") as handle:
            signature = clamd_scan(handle.read(), address=settings.CLAMD_ADDRESS)
        if signature:
            material.file.delete(save=False)
            material.scan_status = ScanStatus.INFECTED
        else:
            material.scan_status = ScanStatus.CLEAN
        material.save(update_fields=["scan_status", "file"])
        return material.scan_status
