from django.urls import include, path

from . import urls_enterprises
from .oauth import account_views as oauth_account
from .views import accounts, eid, security, verification

app_name = "identity"

urlpatterns = [
    path("register/", accounts.register, name="register"),
    path("login/", accounts.login_password, name="login"),
    path("login/sms/", accounts.login_sms, name="login_sms"),
    path("login/totp/", accounts.login_totp, name="login_totp"),
    path("logout/", accounts.logout_view, name="logout"),
    path("sms-code/", accounts.send_sms_code, name="send_sms_code"),
    path("verify/", verification.verify_identity, name="verify"),
    path("security/", security.overview, name="security"),
    path("security/password/", security.change_password, name="change_password"),
    path("security/totp/", security.totp_setup, name="totp_setup"),
    path("security/sessions/<int:session_id>/end/", security.end_session, name="end_session"),
    path("authorizations/", oauth_account.authorization_list, name="authorizations"),
    path(
        "authorizations/<int:application_id>/withdraw/",
        oauth_account.authorization_withdraw,
        name="authorization_withdraw",
    ),
    path("eid/", eid.my_eid, name="eid"),
    path("eid/token/", eid.new_token, name="eid_token"),
    path("eid/revoke/", eid.revoke_tokens, name="eid_revoke"),
    path("", include(urls_enterprises)),
]
