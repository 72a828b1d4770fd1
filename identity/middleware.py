import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.messages import info
from django.utils.translation import gettext as _


class SessionTimeoutMiddleware:
    """Ends signed-in sessions after an idle period (30 minutes for officials)
    or an absolute lifetime from login, whichever comes first. Logging out
    deletes the session server-side."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in; not loading the session
        # keeps anonymous pages cacheable (no "Vary: Cookie").
        # A stateless request (common.middleware) has no session to time out.
        if getattr(request, "stateless", False) or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get("auth_started_at", now)
            last = session.get("last_activity_at", now)
            idle_limit = (
                settings.SESSION_IDLE_TIMEOUT_OFFICIAL if user.is_staff else settings.SESSION_IDLE_TIMEOUT_RESIDENT
            )
            if now - last > idle_limit or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                info(request, _("您已长时间未操作，为保护账户安全已自动退出，请重新登录。"))
            elif now - last > settings.SESSION_ACTIVITY_RESOLUTION:
                session["last_activity_at"] = now
        return self.get_response(request)
