"""What registries hold about a person or an enterprise, read to prefill forms (少填).

Each function answers a :class:`common.prefill.Held` (the value and the date the
record was last changed) or None when nothing is held. Today the population and
market-entity registries answer only in their **sandbox** (沙箱) form: the same
tables the sandbox verifiers confirm against (``SandboxIdentity``,
``SandboxEnterprise``), which also hold a test person's household address
(户籍地址) and a test enterprise's registered particulars. They answer only
while the matching verifier is the sandbox, so a production deployment with a
real verifier never reads test data; a real registry adapter would answer here.

Bank accounts on file are the platform's own records (``BankAccount``).
"""

from django.conf import settings

from common.prefill import Held, read_once

from .models import BankAccount, Enterprise, SandboxEnterprise, SandboxIdentity, User


def population_registry_is_sandbox() -> bool:
    return settings.IDENTITY_VERIFIER == "sandbox"


def enterprise_registry_is_sandbox() -> bool:
    return settings.ENTERPRISE_VERIFIER == "sandbox"


# What a population registry record answers, by prefill name.
PERSON_PARTICULARS = ("household_address", "ethnicity")


def person_particular(user: User, particular: str) -> Held | None:
    """The household (户籍) address or ethnicity of a verified person, from the population registry."""
    if particular not in PERSON_PARTICULARS:
        raise ValueError(f"unknown person particular {particular!r}")
    if not (population_registry_is_sandbox() and user.is_real_name_verified and user.id_number_digest):
        return None
    record = read_once(
        ("population-registry", user.id_number_digest),
        lambda: SandboxIdentity.objects.filter(id_number_digest=user.id_number_digest).first(),
    )
    return _held(record, particular)


def gender_and_birth_date(user: User) -> tuple[str, str] | None:
    """(性别, 出生日期 ISO) as the verified ID number states them (GB 11643: digits 7–14, 17)."""
    number = user.id_number if user.is_real_name_verified else ""
    if len(number or "") != 18:
        return None
    gender = "男" if int(number[16]) % 2 else "女"
    return gender, f"{number[6:10]}-{number[10:12]}-{number[12:14]}"


# The particulars an enterprise registry record answers, by prefill name.
ENTERPRISE_PARTICULARS = ("enterprise_type", "registered_address", "registered_capital", "business_scope")


def enterprise_particular(enterprise: Enterprise | None, particular: str) -> Held | None:
    """One registered particular (住所, 经营范围, …) of a verified enterprise, from the market-entity registry."""
    if particular not in ENTERPRISE_PARTICULARS:
        raise ValueError(f"unknown enterprise particular {particular!r}")
    if enterprise is None or not enterprise.is_verified or not enterprise_registry_is_sandbox():
        return None
    record = read_once(
        ("enterprise-registry", enterprise.uscc_digest),
        lambda: SandboxEnterprise.objects.filter(uscc_digest=enterprise.uscc_digest).first(),
    )
    return _held(record, particular)


def _held(record, particular: str) -> Held | None:
    """A registry record's particular, dated by the record's last change."""
    value = getattr(record, particular, "") if record else ""
    return Held(value, record.updated_at) if value else None


def legal_representative(enterprise: Enterprise | None) -> Held | None:
    """The verified legal representative's name: the enterprise verifier confirmed it."""
    if enterprise is None or not enterprise.is_verified:
        return None
    name = enterprise.legal_representative.real_name
    return Held(name, enterprise.verified_at or enterprise.updated_at) if name else None


def bank_account_on_file(user: User) -> BankAccount | None:
    """The account most recently kept on file, or None."""
    return read_once(
        ("bank-account", user.pk), lambda: BankAccount.objects.filter(user=user).order_by("-updated_at", "-pk").first()
    )
