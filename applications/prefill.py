"""The prefill sources applications answers itself, from identity's records and from
the applicant's earlier applications.

The contract, the registry and :func:`resolve` live in :mod:`common.prefill`
(so the certificates app can register the ``certificate:`` family without
importing applications); :func:`register_built_in_sources` is called once from
``ApplicationsConfig.ready()``.

- ``identity.*``: the verified identity, the account, the household address
  (户籍, from the population registry) and the bank account on file;
- ``enterprise.*``: the verified enterprise and its registered particulars
  (from the market-entity registry);
- ``history:<field>``: the value the principal gave for the same field in
  their last submitted application (:func:`applications.forms.prefill_values`
  asks it for every field nothing else answered).

Registry sources answered by a sandbox say so in their label (…（沙箱）).
"""

from django.db.models import Q

from common.plugins import Registry
from common.prefill import FunctionSource, Held, PrefillSource, reading, resolve, sources
from identity import registries

from .constants import Status
from .models import Application

__all__ = ["BUILT_IN_SOURCES", "reading", "register_built_in_sources", "resolve", "sources"]

HISTORY_SOURCE = "history"


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


def _person(particular):
    def resolve_particular(applicant, enterprise):
        return registries.person_particular(applicant, particular)

    return resolve_particular


def _gender(applicant, enterprise):
    found = registries.gender_and_birth_date(applicant)
    return Held(found[0], applicant.verified_at) if found else None


def _birth_date(applicant, enterprise):
    found = registries.gender_and_birth_date(applicant)
    return Held(found[1], applicant.verified_at) if found else None


def _legal_representative(applicant, enterprise):
    return registries.legal_representative(enterprise)


def _particular(name):
    def resolve_particular(applicant, enterprise):
        return registries.enterprise_particular(enterprise, name)

    return resolve_particular


# (name, function, label, authoritative). Labels are translated for display in forms_resident.SOURCE_LABELS.
BUILT_IN_SOURCES = (
    ("identity.name", _name, "实名认证信息", True),
    ("identity.id_number", _id_number, "实名认证信息", True),
    ("identity.mobile", _mobile, "账户手机号码", False),
    ("identity.email", _email, "账户邮箱", False),
    ("enterprise.name", _enterprise_name, "企业登记信息", True),
    ("enterprise.uscc", _enterprise_uscc, "企业登记信息", True),
    ("enterprise.legal_representative", _legal_representative, "企业登记信息", True),
    ("identity.gender", _gender, "实名认证信息", True),
    ("identity.birth_date", _birth_date, "实名认证信息", True),
)


class SandboxLabelledSource(FunctionSource):
    """A registry source whose label says “（沙箱）” while the registry is the sandbox."""

    def __init__(self, identifier, *, is_sandbox, **kwargs):
        super().__init__(identifier, **kwargs)
        self._is_sandbox = is_sandbox

    def label_for(self, source: str) -> str:
        return f"{self.label}（沙箱）" if self._is_sandbox() else self.label


# Registry-held records: (name, function, label, sandbox check). All authoritative: the field is locked.
REGISTRY_SOURCES = (
    *(
        (f"identity.{particular}", _person(particular), "户籍信息", registries.population_registry_is_sandbox)
        for particular in registries.PERSON_PARTICULARS
    ),
    *(
        (f"enterprise.{particular}", _particular(particular), "企业登记信息", registries.enterprise_registry_is_sandbox)
        for particular in registries.ENTERPRISE_PARTICULARS
    ),
)


class BankAccountSource(PrefillSource):
    """``identity.bank_account:bank_name`` and ``identity.bank_account:number``: the account kept on
    file (masked number). Not locked: the applicant may name another account for this case."""

    label = "账户中保存的银行账户"
    authoritative = False

    def resolve(self, *, source, applicant, enterprise):
        account = registries.bank_account_on_file(applicant)
        if account is None:
            return None
        detail = source.split(":", 1)[1] if ":" in source else "number"
        value = account.bank_name if detail == "bank_name" else account.account_masked
        return Held(value, account.updated_at, reference=f"bank_account:{account.pk}")


class HistorySource(PrefillSource):
    """``history:<field>``: the principal's value for ``<field>`` in their last submitted application
    (the enterprise's, when acting for one). Not locked: circumstances change."""

    label = "您上次申请时填写"
    authoritative = False

    def resolve(self, *, source, applicant, enterprise):
        field = source.split(":", 1)[1] if ":" in source else ""
        if not field:
            return None
        if enterprise is not None:
            mine = Q(enterprise=enterprise)
        else:
            mine = Q(enterprise__isnull=True) & (
                Q(principal_user=applicant) | Q(applicant=applicant, principal_user__isnull=True)
            )
        last = (
            Application.objects.filter(mine, form_data__has_key=field)
            .exclude(status=Status.DRAFT)
            .exclude(submitted_at__isnull=True)
            .order_by("-submitted_at", "-pk")
            .values_list("form_data", "submitted_at", "case_number")
            .first()
        )
        if last is None:
            return None
        form_data, submitted_at, case_number = last
        return Held(form_data[field], submitted_at, reference=f"case:{case_number}")


def register_built_in_sources(registry: Registry[PrefillSource] = sources) -> None:
    """Called once from ``ApplicationsConfig.ready()``."""
    for name, function, label, authoritative in BUILT_IN_SOURCES:
        registry.register(name, FunctionSource(name, resolve=function, label=label, authoritative=authoritative))
    for name, function, label, is_sandbox in REGISTRY_SOURCES:
        registry.register(
            name,
            SandboxLabelledSource(name, resolve=function, label=label, authoritative=True, is_sandbox=is_sandbox),
        )
    registry.register("identity.bank_account", BankAccountSource("identity.bank_account"))
    registry.register(HISTORY_SOURCE, HistorySource(HISTORY_SOURCE))
