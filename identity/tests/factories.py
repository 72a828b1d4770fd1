import factory
from django.utils import timezone

from identity.constants import AssuranceLevel
from identity.models import SandboxIdentity, User
from identity.personal_data import id_number_columns

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    username = factory.LazyAttribute(lambda user: user.mobile)
    display_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()

    class Params:
        verified = factory.Trait(
            assurance_level=AssuranceLevel.L2,
            real_name="张三",
            verified_at=factory.LazyFunction(timezone.now),
            id_number=id_number_columns("440106199001011235")["id_number"],
            id_number_digest=id_number_columns("440106199001011235")["id_number_digest"],
            id_number_masked=id_number_columns("440106199001011235")["id_number_masked"],
        )
        official = factory.Trait(is_staff=True, username=factory.Sequence(lambda n: f"official-{n}"), mobile=None)


def sandbox_identity(name: str, id_number: str) -> SandboxIdentity:
    return SandboxIdentity.objects.create(name=name, **id_number_columns(id_number))


def login_with_totp(client, user) -> None:
    """Sign ``user`` in as if they had passed the TOTP step (the admin requires it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
