"""factory_boy factories for the enterprise, mandate and proxy tests.

A separate module from the account tests' factories: many verified users are made
here, so none may share a fixed ID number (its digest is unique)."""

import datetime

import factory
from django.utils import timezone

from identity.constants import AssuranceLevel
from identity.models import Enterprise, EnterpriseStatus, Mandate, ProxyAuthorisation, User
from identity.personal_data import id_number_columns, uscc_columns
from identity.validators import id_number_check_character, uscc_check_character


def valid_uscc(serial: int) -> str:
    """A GB 32100-valid USCC, distinct for each ``serial``."""
    first17 = f"91350100M{serial:08d}"
    return first17 + uscc_check_character(first17)


def valid_id_number(serial: int) -> str:
    """A GB 11643-valid ID number, distinct for each ``serial``."""
    first17 = f"440106{1950 + (serial // 1000) % 50}0101{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    username = factory.SelfAttribute("mobile")
    display_name = factory.Faker("name", locale="zh_CN")
    assurance_level = AssuranceLevel.L1

    class Params:
        # Verified as the sandbox would: a real name and a distinct, valid ID number.
        verified = factory.Trait(
            assurance_level=AssuranceLevel.L2,
            real_name=factory.Faker("name", locale="zh_CN"),
            verified_at=factory.LazyFunction(timezone.now),
            id_number=factory.Sequence(lambda n: valid_id_number(n)),
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("id_number"):
            kwargs.update(id_number_columns(kwargs["id_number"]))
        return super()._create(model_class, *args, **kwargs)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.Sequence(valid_uscc)
    legal_representative = factory.SubFactory(UserFactory, verified=True)
    # Verified by default, as registration now only stores confirmed enterprises.
    status = EnterpriseStatus.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)
    verification_provider = "sandbox"

    class Params:
        unverified = factory.Trait(status=EnterpriseStatus.UNVERIFIED, verified_at=None, verification_provider="")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Fill the digest and masked columns the way the service does.
        kwargs.update(uscc_columns(kwargs["uscc"]))
        return super()._create(model_class, *args, **kwargs)


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate

    enterprise = factory.SubFactory(EnterpriseFactory)
    agent = factory.SubFactory(UserFactory)
    service_codes = factory.LazyFunction(lambda: ["SCJG-001"])
    all_services = False
    valid_until = factory.LazyFunction(lambda: in_days(30))
    granted_by = factory.SelfAttribute("enterprise.legal_representative")

    class Params:
        expired = factory.Trait(valid_until=factory.LazyFunction(lambda: in_days(-1)))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))


class ProxyAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProxyAuthorisation

    principal = factory.SubFactory(UserFactory)
    proxy = factory.SubFactory(UserFactory)
    relationship = "子女"
    service_codes = factory.LazyFunction(lambda: ["SHBZ-001"])
    all_services = False
    valid_until = factory.LazyFunction(lambda: in_days(30))

    class Params:
        expired = factory.Trait(valid_until=factory.LazyFunction(lambda: in_days(-1)))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))


def on_record(representative: User, *, name: str, uscc: str):
    """Put (``uscc``, ``name``) in the sandbox verifier's table with ``representative``
    as its legal representative, as the authoritative registry would hold it."""
    from identity.demo_enterprises import sandbox_enterprise

    return sandbox_enterprise(
        name=name,
        uscc=uscc,
        representative_name=representative.real_name,
        representative_id_number=representative.id_number,
    )
