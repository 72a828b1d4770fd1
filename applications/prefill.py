"""The prefill sources applications answers itself, from identity's records.

The contract, the registry and :func:`resolve` live in :mod:`common.prefill`
(so the certificates app can register the ``certificate:`` family without
importing applications); :func:`register_built_in_sources` is called once from
``ApplicationsConfig.ready()``.
"""

from common.plugins import Registry
from common.prefill import FunctionSource, PrefillSource, resolve, sources

__all__ = ["BUILT_IN_SOURCES", "register_built_in_sources", "resolve", "sources"]


def _name(applicant, enterprise):
    return applicant.real_name if applicant.is_real_name_verified else None


def _id_number(applicant, enterprise):
    return applicant.id_number_masked or None


def _mobile(applicant, enterprise):
    return applicant.mobile


def _email(applicant, enterprise):
    return applicant.email


def _enterprise_name(applicant, enterprise):
    return enterprise.name if enterprise else None


def _enterprise_uscc(applicant, enterprise):
    return enterprise.uscc_masked if enterprise else None


# (name, function, label, authoritative). Labels are translated for display in forms_resident.SOURCE_LABELS.
BUILT_IN_SOURCES = (
    ("identity.name", _name, "实名认证信息", True),
    ("identity.id_number", _id_number, "实名认证信息", True),
    ("identity.mobile", _mobile, "账户手机号码", False),
    ("identity.email", _email, "账户邮箱", False),
    ("enterprise.name", _enterprise_name, "企业登记信息", True),
    ("enterprise.uscc", _enterprise_uscc, "企业登记信息", True),
)


def register_built_in_sources(registry: Registry[PrefillSource] = sources) -> None:
    """Called once from ``ApplicationsConfig.ready()``."""
    for name, function, label, authoritative in BUILT_IN_SOURCES:
        registry.register(name, FunctionSource(name, resolve=function, label=label, authoritative=authoritative))
