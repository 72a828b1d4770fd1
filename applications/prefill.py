"""Prefill (少填): values the portal already holds, by source name.

A form field names its source with the schema keyword ``"x-source"``. Each
source is a function registered here that returns the value for an applicant
(and the enterprise they act for), or ``None`` when it has none. Sources marked
*authoritative* come from verified records: the field is locked, and a resident
who finds it wrong reports it instead of editing it.

Full ID numbers and USCCs are never copied into a form: those sources give the
masked form, and the case keeps the link to the verified record.
``certificate:<type>.<field>`` sources are answered by the certificates app
once it registers a resolver for them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class PrefillSource:
    name: str
    resolve: Callable
    authoritative: bool
    label: str


_SOURCES: dict[str, PrefillSource] = {}
_PREFIX_RESOLVERS: dict[str, Callable] = {}


def register_source(name: str, *, authoritative: bool, label: str):
    """Decorator: ``resolve(applicant, enterprise) -> value | None`` for the source ``name``."""

    def decorator(resolve: Callable) -> Callable:
        _SOURCES[name] = PrefillSource(name=name, resolve=resolve, authoritative=authoritative, label=label)
        return resolve

    return decorator


def register_prefix_resolver(prefix: str, resolve: Callable) -> None:
    """For families of sources such as ``certificate:<type>.<field>``:
    ``resolve(source_name, applicant, enterprise) -> (value, authoritative) | None``."""
    _PREFIX_RESOLVERS[prefix] = resolve


def resolve(source: str, *, applicant, enterprise=None) -> dict | None:
    """``{"value", "source", "label", "locked", "at"}`` or None when nothing is held."""
    at = timezone.now().isoformat()
    if source in _SOURCES:
        entry = _SOURCES[source]
        value = entry.resolve(applicant, enterprise)
        if value in (None, ""):
            return None
        return {"value": value, "source": source, "label": entry.label, "locked": entry.authoritative, "at": at}
    for prefix, resolver in _PREFIX_RESOLVERS.items():
        if source.startswith(prefix):
            found = resolver(source, applicant, enterprise)
            if found is None:
                return None
            value, authoritative = found
            return {"value": value, "source": source, "label": source, "locked": authoritative, "at": at}
    return None


@register_source("identity.name", authoritative=True, label="实名认证信息")
def _name(applicant, enterprise):
    return applicant.real_name if applicant.is_real_name_verified else None


@register_source("identity.id_number", authoritative=True, label="实名认证信息")
def _id_number(applicant, enterprise):
    return applicant.id_number_masked or None


@register_source("identity.mobile", authoritative=False, label="账户手机号码")
def _mobile(applicant, enterprise):
    return applicant.mobile


@register_source("identity.email", authoritative=False, label="账户邮箱")
def _email(applicant, enterprise):
    return applicant.email


@register_source("enterprise.name", authoritative=True, label="企业登记信息")
def _enterprise_name(applicant, enterprise):
    return enterprise.name if enterprise else None


@register_source("enterprise.uscc", authoritative=True, label="企业登记信息")
def _enterprise_uscc(applicant, enterprise):
    return enterprise.uscc_masked if enterprise else None
