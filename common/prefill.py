"""Prefill sources (少填): the contract and the registry.

A form field names its source with the schema keyword ``"x-source"``. Each
source is a :class:`PrefillSource` registered in :data:`sources`, a
:class:`common.plugins.Registry` (see that module for the two plug-in shapes),
from its app's ``AppConfig.ready()``. A second source under the same name is
refused. The registry lives here, below every domain app, so that any app may
fill it (applications answers ``identity.*`` and ``enterprise.*`` in
:mod:`applications.prefill`; certificates will answer ``certificate:*``) while
applications, which reads it, never imports the apps that fill it.

Sources marked *authoritative* come from verified records: the field is
locked, and a resident who finds it wrong reports it instead of editing it.

A *family* of sources, such as ``certificate:<type>.<field>``, is one plugin
registered under the part before the colon (``certificate``): it receives the
full source name. The certificates app registers that family once it exists.

Full ID numbers and USCCs are never copied into a form: sources give the
masked form, and the case keeps the link to the verified record.

A form is prefilled in one :func:`reading`: several sources answered by the same
record (a registry record's 住所, 经营范围 and 注册资本) read it once, through
:func:`read_once`.
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils import timezone

from common.plugins import Registry


@dataclass(frozen=True)
class Held:
    """A value with the date its record was last changed (shown beside the field),
    and optionally a reference to that record (kept in the case's field sources)."""

    value: object
    at: datetime.datetime | None = None
    reference: str = ""


class PrefillSource:
    """The contract of a prefill source.

    ``label`` says where the value comes from, in Chinese ("实名认证信息"); it is
    shown next to the field. ``authoritative`` sources come from verified
    records and lock the field.
    """

    label: str = ""
    authoritative: bool = False

    def __init__(self, identifier: str):
        self.identifier = identifier

    def resolve(self, *, source: str, applicant, enterprise) -> object | None:
        """The value for ``applicant`` (acting for ``enterprise``, or None), or None when nothing is held.

        ``source`` is the full name the form asked for: the identifier itself, or
        ``<identifier>:<detail>`` for a family of sources. A :class:`Held` gives the
        record's date (and a reference to it); a bare value is dated now.
        """
        raise NotImplementedError

    def label_for(self, source: str) -> str:
        """The label shown for ``source``; a family may name its members differently."""
        return self.label or source


class FunctionSource(PrefillSource):
    """A source made of a function ``resolve(applicant, enterprise)``, for the simple ones."""

    def __init__(self, identifier: str, *, resolve: Callable, label: str, authoritative: bool):
        super().__init__(identifier)
        self._resolve = resolve
        self.label = label
        self.authoritative = authoritative

    def resolve(self, *, source: str, applicant, enterprise) -> object | None:
        return self._resolve(applicant, enterprise)


sources = Registry[PrefillSource]("prefill source")

_records_read: ContextVar[dict | None] = ContextVar("prefill_records_read", default=None)


@contextmanager
def reading() -> Iterator[None]:
    """The prefill of one form: within it, :func:`read_once` reads each record once."""
    token = _records_read.set({})
    try:
        yield
    finally:
        _records_read.reset(token)


def read_once(key, read: Callable):
    """``read()``, for a record several sources answer from: once per ``key`` within
    :func:`reading`, every time outside it."""
    records = _records_read.get()
    if records is None:
        return read()
    if key not in records:
        records[key] = read()
    return records[key]


def source_for(name: str) -> PrefillSource | None:
    """The source answering ``name``: registered under the name, or under its family (before ``:``)."""
    found = sources.get(name)
    if found is None and ":" in name:
        found = sources.get(name.split(":", 1)[0])
    return found


def resolve(source: str, *, applicant, enterprise=None) -> dict | None:
    """``{"value", "source", "label", "locked", "at"}`` (and ``"reference"`` when the source names
    its record) or None when nothing is held."""
    entry = source_for(source)
    if entry is None:
        return None
    found = entry.resolve(source=source, applicant=applicant, enterprise=enterprise)
    held = found if isinstance(found, Held) else Held(found)
    if held.value in (None, ""):
        return None
    result = {
        "value": held.value,
        "source": source,
        "label": entry.label_for(source),
        "locked": entry.authoritative,
        "at": (held.at or timezone.now()).isoformat(),
    }
    if held.reference:
        result["reference"] = held.reference
    return result
