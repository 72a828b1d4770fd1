"""Demo accounts for ``seed_demo``. Demo only: the passwords are public."""

from .models import User

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "tongban-admin"  # noqa: S105 - published demo credential


def seed() -> list[str]:
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={"display_name": "平台管理员", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(DEMO_ADMIN_PASSWORD)
        admin.save(update_fields=["password"])
    return [f"平台管理员 / platform admin: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}  → /admin/"]
