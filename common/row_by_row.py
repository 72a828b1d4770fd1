"""Loops whose every pass is a unit of work of its own, marked for the test suite's N+1 detector.

A bulk action that moves each selected case in its own transaction (so that one refusal
leaves the others done, and no lock is held longer than one case), or a bundle's fan-out
that submits each sub-case through the transition table, reads and writes each row
separately by design. Each pass of such a loop gets a detection scope of its own, so
that an N+1 *within* one case's work is still caught, and the same work repeated for the
next case is not mistaken for one.

Where django-zeal (a development requirement) is not installed, this is a plain loop.
"""

from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.conf import settings

Row = TypeVar("Row")


def one_at_a_time(rows: Iterable[Row]) -> Iterator[Row]:
    """Yield each of ``rows``; the loop body for each is its own N+1 detection scope."""
    if "zeal" not in settings.INSTALLED_APPS:
        yield from rows
        return
    # zeal offers no public way to start a fresh scope inside another, hence its private variable.
    from zeal.listeners import NPlusOneContext, _nplusone_context

    outer = _nplusone_context.get()
    for row in rows:
        token = _nplusone_context.set(NPlusOneContext(enabled=outer.enabled, allowlist=outer.allowlist))
        try:
            yield row
        finally:
            _nplusone_context.reset(token)
