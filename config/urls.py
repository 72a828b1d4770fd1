from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from applications.api import urls as applications_api
from certificates.api import urls as certificates_api
from common import views as common_views
from complaints.api import urls as complaints_api
from identity import eid_api
from identity.admin_site import TongbanAdminSite
from identity.api import urls as identity_api
from identity.oauth.views import ServerMetadataView
from identity.views import sandbox_gateway
from marketplace.api import urls as marketplace_api
from monitoring import views as monitoring_views
from partners.webhooks import api_urls as webhooks_api
from payments.api import urls as payments_api

# Officials reach no admin page without a verified TOTP device.
admin.site.__class__ = TongbanAdminSite

api_v1_patterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("eid/verify/", eid_api.EidVerifyView.as_view(), name="eid-verify"),
    path("eid/jwks.json", eid_api.eid_jwks, name="eid-jwks"),
    *identity_api.urlpatterns,
    *applications_api.urlpatterns,
    *certificates_api.urlpatterns,
    *payments_api.urlpatterns,
    *webhooks_api.urlpatterns,
    *complaints_api.urlpatterns,
    *marketplace_api.urlpatterns,
    # Catalogue
    path("", include("services.api.urls")),
]

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("readyz", common_views.readyz, name="readyz"),
    # Prometheus scrapes (token or allow-listed address only; docs/operations.md).
    path("metrics", monitoring_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # OAuth2 / OIDC provider: authorize, token, revoke, introspect, userinfo,
    # JWKS and discovery at /o/.well-known/openid-configuration.
    path("o/", include("identity.oauth.urls", namespace="oauth2_provider")),
    # RFC 8414 §3: the metadata of the issuer https://host/o lives at the root, issuer path appended.
    path(".well-known/oauth-authorization-server/o", ServerMetadataView.as_view(), name="oauth-server-metadata-root"),
    path("api/v1/", include((api_v1_patterns, "v1"), namespace="v1")),
    # Face checks (实人认证): providers' callbacks, the SANDBOX provider's page, the result page.
    path("identity/face/", include("identity.urls_facecheck")),
    # Payment gateways' asynchronous notifications (server to server, signed).
    path("payments/notify/", include("payments.urls_notify")),
]
if settings.SANDBOX_GATEWAYS_ENABLED:
    # SANDBOX stand-ins for outside systems, speaking their protocols (never in production).
    urlpatterns += [
        path("sandbox/identity-gateway/v1/identity/verify", sandbox_gateway.identity_verify),
        path("sandbox/enterprise-gateway/v1/enterprise/verify", sandbox_gateway.enterprise_verify),
        path("sandbox/payments/", include("payments.contrib.sandbox.urls")),
    ]
# Pages carry their language in the path: Chinese unprefixed, English under /en/.
urlpatterns += i18n_patterns(
    # First: the anonymous front pages (home, guides, search) are the hottest paths, and every
    # pattern tried before theirs costs each request a regex match. No other app's route
    # collides with theirs (config/tests/test_urls.py).
    path("", include("portal.urls")),
    path("account/", include("identity.urls")),
    # The resident's applications (/applications/…, /my/applications/…) and inbox (/my/messages/).
    path("", include("applications.urls")),
    path("my/messages/", include("notifications.urls")),
    # The wallet (/my/certificates/…), shares and the public verification page (/certificates/verify/…).
    path("", include("certificates.urls")),
    path("my/orders/", include("payments.urls")),
    # The partner space (合作方接入): applying, clients and webhooks.
    path("partners/webhooks/", include("partners.webhooks.urls")),
    path("partners/", include("partners.urls")),
    # The intermediary marketplace (中介超市): /marketplace/… public, /my/marketplace/… my space.
    path("", include("marketplace.urls")),
    path("receipts/", include("payments.urls_receipts")),
    # Evaluations (好差评): the public figures (/evaluations/) and the resident's rating form.
    path("", include("complaints.urls")),
    # The pension certification (养老资格认证) in the resident's space.
    path("my/benefits/", include("benefits.urls")),
    prefix_default_language=False,
)

handler400 = "common.views.bad_request"
handler403 = "common.views.permission_denied"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
