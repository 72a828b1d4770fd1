"""Face check (实人认证) URLs, mounted at ``/identity/face/`` outside the language prefix:
providers call back here whatever the user's language."""

from django.urls import path

from .views import facecheck

app_name = "facecheck"

urlpatterns = [
    # Server-to-server callbacks (POST, signed).
    path("callback/<slug:provider>/", facecheck.callback, name="callback"),
    # The browser coming back from a provider's page (GET shows, POST looks the result up).
    path("return/<slug:provider>/", facecheck.browser_return, name="return"),
    # SANDBOX: the sandbox provider's pretend camera step (only where the sandbox may run).
    path("sandbox/<str:session_id>/", facecheck.sandbox_page, name="sandbox"),
    path("result/<uuid:check_id>/", facecheck.result, name="result"),
]
