from django.conf import settings


def account(request):
    """``account_user`` for the page header without touching the session of
    anonymous visitors: no session cookie means nobody is signed in, and not
    loading the session keeps anonymous pages free of ``Vary: Cookie``."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return {"account_user": None}
    user = getattr(request, "user", None)
    return {"account_user": user if user is not None and user.is_authenticated else None}
