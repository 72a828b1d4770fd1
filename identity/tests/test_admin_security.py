import pytest
from django.contrib.auth.models import Permission
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import PersonalDataAccess

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def official():
    user = UserFactory(official=True, is_superuser=True, with_totp=True)
    return user, TOTPDevice.objects.get(user=user)


def test_official_with_password_only_cannot_reach_the_admin(client, official):
    user, _device = official
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD, "otp_token": ""}
    )
    assert response.status_code == 200  # the login form again
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/identity/user/").status_code == 302


def test_a_session_signed_in_elsewhere_without_totp_is_still_refused(client, official):
    user, _device = official
    client.force_login(user)  # e.g. through the residents' password login
    response = client.get("/admin/identity/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_official_with_password_and_totp_reaches_the_admin(client, official):
    user, device = official
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": _current_code(device),
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_official_with_wrong_totp_is_refused(client, official):
    user, device = official
    wrong = f"{(int(_current_code(device)) + 1) % 10**6:06d}"
    client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": wrong},
    )
    assert client.get("/admin/").status_code == 302


def _admin_client(client, user, device):
    client.post(
        "/admin/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": _current_code(device),
        },
    )
    return client


def test_admin_shows_masked_id_numbers_only(client, official):
    user, device = official
    resident = UserFactory(verified=True)
    _admin_client(client, user, device)

    listing = client.get("/admin/identity/user/").content.decode()
    change = client.get(f"/admin/identity/user/{resident.pk}/change/").content.decode()
    for html in (listing, change):
        assert resident.id_number_masked in html
        assert resident.id_number not in html


def test_admin_finds_a_resident_by_full_id_number_through_the_blind_index(client, official):
    user, device = official
    resident = UserFactory(verified=True)
    UserFactory()
    _admin_client(client, user, device)

    # The search box posts a full number; the changelist then shows a session token's results.
    response = client.post("/admin/identity/user/", {"_private_search": "1", "q": resident.id_number}, follow=True)
    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [resident]


def test_reveal_needs_the_permission(client):
    staff = UserFactory(official=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    resident = UserFactory(verified=True)
    _admin_client(client, staff, device)

    response = client.post(f"/admin/identity/user/{resident.pk}/reveal/", {"reason": "核对办件申请人身份"})
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_reveal_with_permission_shows_the_number_and_logs_who_whose_when_why(client):
    staff = UserFactory(official=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "reveal_personal_data"])
    )
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    resident = UserFactory(verified=True)
    _admin_client(client, staff, device)

    response = client.post(f"/admin/identity/user/{resident.pk}/reveal/", {"reason": "核对办件申请人身份"})

    assert resident.id_number in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.official, access.subject_id, access.field, access.reason) == (
        staff,
        str(resident.pk),
        "id_number",
        "核对办件申请人身份",
    )
