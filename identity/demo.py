"""Demo accounts for ``seed_demo``. DEMO ONLY: every password and TOTP secret
here is public. The identities are fictitious sandbox identities."""

import base64

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.identifiers import id_number_check_character

from .constants import AssuranceLevel
from .models import SandboxIdentity, User
from .personal_data import id_number_columns, id_number_digest
from .services.eid import current_signing_key
from .verification.contrib.sandbox import SANDBOX_TEST_NAMES

DEMO_PASSWORD = "tongban-demo"  # noqa: S105 - published demo credential
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "tongban-admin"  # noqa: S105 - published demo credential
# Fixed TOTP secrets (20 bytes, hex as django-otp stores them) so the demo can
# print them; add them to any authenticator app, or run `manage.py demo_totp`.
DEMO_TOTP_KEYS = {
    "official-amr": "3132333435363738393031323334353637383930",
    DEMO_ADMIN_USERNAME: "7465737474657374746573747465737474657374",
}
RESIDENT_MOBILE = "13800138000"
AGENT_MOBILE = "13800138001"

SANDBOX_IDENTITIES = [
    ("张三", "440106199001011235", "演示居民 13800138000"),
    ("李四", "440304198506154569", "演示经办人 13800138001"),
    ("王小明", "11010519800808777X", "可用于注册后实名认证的测试身份"),
]


def sandbox_test_identities(count: int = 3) -> list[tuple[str, str]]:
    """Ready-made (name, ID number) pairs for new demo accounts: test names with valid, unlisted numbers.

    The sandbox verifier accepts *any* number passing GB 11643 with a test name, so these are only
    examples; each number binds one account, and more are made by changing the sequence digits.
    """
    identities = []
    for index, name in enumerate(SANDBOX_TEST_NAMES[:count], start=1):
        first17 = f"44010619950{index}1500{index}"
        identities.append((name, first17 + id_number_check_character(first17)))
    return identities


def totp_secret_base32(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def _user(username: str, *, password: str, **defaults) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=defaults)
    if created or not user.has_usable_password():
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _totp(user: User, hex_key: str) -> None:
    TOTPDevice.objects.update_or_create(
        user=user, name="演示身份验证器", defaults={"key": hex_key, "confirmed": True, "step": 30, "digits": 6}
    )


def _verify(user: User, name: str, id_number: str) -> None:
    if user.is_real_name_verified:
        return
    for attribute, value in id_number_columns(id_number).items():
        setattr(user, attribute, value)
    user.real_name = name
    user.display_name = user.display_name or name
    user.assurance_level = AssuranceLevel.L2
    user.verified_at = timezone.now()
    user.verification_provider = "sandbox"
    user.save()


@transaction.atomic
def seed() -> list[str]:
    for name, id_number, note in SANDBOX_IDENTITIES:
        if not SandboxIdentity.objects.filter(id_number_digest=id_number_digest(id_number)).exists():
            SandboxIdentity.objects.create(name=name, note=note, **id_number_columns(id_number))

    resident = _user(RESIDENT_MOBILE, password=DEMO_PASSWORD, mobile=RESIDENT_MOBILE, display_name="张三")
    _verify(resident, "张三", "440106199001011235")
    # The e-ID JWKS has a key from the start: a partner fetching it before any resident
    # opened their e-ID page would otherwise find none.
    current_signing_key()
    agent = _user(AGENT_MOBILE, password=DEMO_PASSWORD, mobile=AGENT_MOBILE, display_name="李四")
    _verify(agent, "李四", "440304198506154569")

    officials, _ = Group.objects.get_or_create(name="市场监管局 工作人员")
    official = _user("official-amr", password=DEMO_PASSWORD, display_name="市场监管局 王科员", is_staff=True)
    official.groups.add(officials)
    _totp(official, DEMO_TOTP_KEYS["official-amr"])

    admin = _user(
        DEMO_ADMIN_USERNAME,
        password=DEMO_ADMIN_PASSWORD,
        display_name="平台管理员",
        is_staff=True,
        is_superuser=True,
    )
    _totp(admin, DEMO_TOTP_KEYS[DEMO_ADMIN_USERNAME])

    return [
        f"实名居民 / verified resident: {RESIDENT_MOBILE} / {DEMO_PASSWORD}",
        f"企业经办人 / enterprise agent: {AGENT_MOBILE} / {DEMO_PASSWORD}",
        f"工作人员 / official (市场监管): official-amr / {DEMO_PASSWORD}, TOTP secret "
        f"{totp_secret_base32(DEMO_TOTP_KEYS['official-amr'])}  → /admin/",
        f"平台管理员 / platform admin: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}, TOTP secret "
        f"{totp_secret_base32(DEMO_TOTP_KEYS[DEMO_ADMIN_USERNAME])}  → /admin/",
        "当前动态码 / current TOTP code: python manage.py demo_totp official-amr",
        "沙箱测试身份 / sandbox identities to verify new accounts (实名认证), one account each: "
        + ", ".join(f"{name} {number}" for name, number in sandbox_test_identities()),
        f"  any number passing GB 11643 verifies with a test name ({'、'.join(SANDBOX_TEST_NAMES)}); "
        "王小明 11010519800808777X is the representative of the sandbox enterprise to register",
    ]
