"""Enterprise registration, agents and mandates, and family proxies (代办)."""

from django.urls import path

from .views import enterprises

urlpatterns = [
    path("enterprises/", enterprises.enterprise_list, name="enterprise_list"),
    path("enterprises/register/", enterprises.enterprise_register, name="enterprise_register"),
    path("enterprises/<int:pk>/verify/", enterprises.enterprise_verify, name="enterprise_verify"),
    path("enterprises/disputes/", enterprises.enterprise_disputes, name="enterprise_disputes"),
    path("enterprises/<int:pk>/agents/", enterprises.enterprise_agents, name="enterprise_agents"),
    path(
        "enterprises/<int:pk>/agents/<int:mandate_id>/revoke/",
        enterprises.mandate_revoke,
        name="mandate_revoke",
    ),
    path("enterprises/<int:pk>/log/", enterprises.enterprise_acting_log, name="enterprise_acting_log"),
    path("proxies/", enterprises.proxy_list, name="proxy_list"),
    path("proxies/<int:pk>/revoke/", enterprises.proxy_revoke, name="proxy_revoke"),
]
