"""The ``Tongban-Signature`` header (the same shape as Stripe's).

::

    Tongban-Signature: t=1764470400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

``v1`` is the hex HMAC-SHA256, keyed with the subscription's signing secret
(UTF-8), of ``f"{t}.{raw_body}"``: the timestamp, a full stop, and the request
body exactly as received (bytes, before any JSON parsing). During a secret
rotation's overlap the header carries two ``v1=`` values, one per secret; a
receiver accepts the request when any of them matches its secret.

The receiver's recipe (Python)::

    import hashlib, hmac, time

    def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
        items = [item.split("=", 1) for item in header.split(",")]
        t = next(value for key, value in items if key == "t")
        if abs(time.time() - int(t)) > tolerance:
            return False  # too old: a replay
        expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(expected, value) for key, value in items if key == "v1")

Events may arrive more than once (deduplicate by ``Tongban-Event-Id``) and out of
order (compare ``sequence`` per resource).
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Tongban-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex ``v1`` value for ``body`` signed at ``timestamp``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secrets: list[str], body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix time>,v1=<hex>[,v1=<hex>]``: one ``v1`` per secret, the current one first."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret=s, timestamp=timestamp, body=body)}" for s in secrets)])


def signature_verify(
    *, header: str, body: bytes, secret: str, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """The receiver's check, as documented above (for our own tools and the guide)."""
    items = [item.strip().split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in items if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, value) for key, value in items if key == "v1")
