"""The random draw (随机抽取), as a pure function anyone can re-run.

Inputs, both published with the result:

* ``seed``: 64 hexadecimal characters from :func:`secrets.token_hex`, drawn and
  recorded when the posting opens (before any quote), with its SHA-256 published
  at once (``draw_seed_hash``): the seed cannot be chosen after the bidders are known;
* ``candidates``: the ids of the eligible quotes (those whose agency was still
  selectable at the draw).

The draw::

    canonical = "\\n".join(str(id) for id in sorted(candidates))     # ascending integers
    digest    = HMAC-SHA256(key = seed as ASCII, message = canonical as ASCII)
    index     = int(digest as big-endian unsigned) mod len(candidates)
    winner    = sorted(candidates)[index]

A re-draw (after an upheld objection, result number ``n`` > 1) uses
``round_seed = HMAC-SHA256(key = seed, message = "redraw:n")`` as hex, so the seed committed
at opening decides every round and nobody can re-roll a draw.

For example, in a shell::

    printf '3\\n7\\n12' | openssl dgst -sha256 -hmac "$SEED"

then take that number modulo 3 (the modulo bias of a 256-bit number is negligible).
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable


def new_seed() -> str:
    """A fresh 256-bit seed, as 64 hexadecimal characters."""
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    """The SHA-256 of the seed (hex), published before the draw."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def canonical_candidates(candidates: Iterable[int]) -> list[int]:
    """The candidates sorted ascending, without duplicates."""
    return sorted({int(candidate) for candidate in candidates})


def draw_index(seed: str, candidates: Iterable[int]) -> int:
    """The position of the winner in :func:`canonical_candidates` (see the module's text)."""
    ordered = canonical_candidates(candidates)
    if not ordered:
        raise ValueError("A draw needs at least one candidate.")
    message = "\n".join(str(candidate) for candidate in ordered).encode("ascii")
    digest = hmac.new(seed.encode("ascii"), message, hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % len(ordered)


def draw_winner(seed: str, candidates: Iterable[int]) -> int:
    """The winning candidate (a quote id) for ``seed``: a pure function of its two inputs."""
    ordered = canonical_candidates(candidates)
    return ordered[draw_index(seed, ordered)]


def round_seed(seed: str, sequence: int) -> str:
    """The seed of the draw of result number ``sequence``: the committed seed itself for the
    first, ``HMAC-SHA256(seed, "redraw:<sequence>")`` (hex) for each re-draw."""
    if sequence <= 1:
        return seed
    return hmac.new(seed.encode("ascii"), f"redraw:{sequence}".encode("ascii"), hashlib.sha256).hexdigest()
