"""The identity test factories: users (residents, verified residents, officials),
enterprises, mandates, family proxies, and the sandbox verifiers' tables.

One way to make each. A verified user gets a fresh name and a fresh
GB 11643-valid ID number every time, stored the way real-name verification
stores it (encrypted, blind-indexed, masked), so a test may have many.
Officials of a department (with the case permissions) are made by
``applications.tests.factories.official``, on top of ``UserFactory(official=True)``:
identity sits below the service apps and does not import them.
"""

import datetime
import itertools

import factory
from django.utils import timezone

from identity.constants import AssuranceLevel
from identity.models import Enterprise, EnterpriseStatus, Mandate, ProxyAuthorisation, SandboxIdentity, User
from identity.personal_data import id_number_columns, uscc_columns
from identity.validators import id_number_check_character, uscc_check_character

PASSWORD = "correct-horse-battery-9"

# Serials for ID numbers and USCCs, shared by every factory and helper here so two
# calls never produce the same number in one test run.
_id_serials = itertools.count(1)


def valid_uscc(serial: int) -> str:
    """A GB 32100-valid USCC, distinct for each ``serial``."""
    first17 = f"91350100M{serial:08d}"
    return first17 + uscc_check_character(first17)


def valid_id_number(serial: int) -> str:
    """A GB 11643-valid ID number, distinct for each ``serial`` (440103: a district no fixed test number uses)."""
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=serial // 1000)
    first17 = f"440103{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


def fresh_id_number() -> str:
    """A GB 11643-valid ID number no other call in this run returned."""
    return valid_id_number(next(_id_serials))


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


class UserFactory(factory.django.DjangoModelFactory):
    """A resident (L1, signed up by mobile number, password ``PASSWORD``).

    Traits:
    - ``verified``: real-name verified (L2) with a fresh name and a fresh valid ID
      number each time; pass ``real_name=`` or ``id_number=`` to choose them.
    - ``official``: a staff account without a mobile number (for one working a
      department's queue, see ``applications.tests.factories.official``).
    - ``with_totp``: a confirmed TOTP device (the admin asks for it).
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    username = factory.LazyAttribute(lambda user: user.mobile)
    display_name = factory.Faker("name", locale="zh_CN")
    assurance_level = AssuranceLevel.L1
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        verified = factory.Trait(
            assurance_level=AssuranceLevel.L2,
            real_name=factory.Faker("name", locale="zh_CN"),
            verified_at=factory.LazyFunction(timezone.now),
            verification_provider="sandbox",
            id_number=factory.LazyFunction(fresh_id_number),
        )
        official = factory.Trait(is_staff=True, username=factory.Sequence(lambda n: f"official-{n}"), mobile=None)

    @factory.post_generation
    def with_totp(self, create, extracted, **kwargs):
        # A flag like the traits (``with_totp=True``); post-generation, as the device needs the user's key.
        if create and extracted:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.create(user=self, name="test", confirmed=True)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Store an ID number the way real-name verification does: encrypted, digest, masked.
        if kwargs.get("id_number"):
            kwargs.update(id_number_columns(kwargs["id_number"]))
        return super()._create(model_class, *args, **kwargs)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """An enterprise, verified by default (registration only stores confirmed ones); trait ``unverified``."""

    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.Sequence(valid_uscc)
    legal_representative = factory.SubFactory(UserFactory, verified=True)
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
    """An enterprise's mandate to an agent for ``SCJG-001``, 30 days; traits ``expired``, ``revoked``."""

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
    """A family proxy (代办) for ``SHBZ-001``, 30 days; traits ``expired``, ``revoked``."""

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


def sandbox_identity(name: str, id_number: str) -> SandboxIdentity:
    """Put (``name``, ``id_number``) in the sandbox identity verifier's table."""
    return SandboxIdentity.objects.create(name=name, **id_number_columns(id_number))


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


def login_with_totp(client, user) -> None:
    """Sign ``user`` in as if they had passed the TOTP step (the admin requires it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
