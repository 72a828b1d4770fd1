from django.urls import path

from . import views

urlpatterns = [
    path("certificates/verify/", views.CertificateVerifyView.as_view(), name="certificates-verify"),
    path("certificates/shared/", views.SharedCertificateView.as_view(), name="certificates-shared"),
    path("certificates/jwks.json", views.certificates_jwks, name="certificates-jwks"),
]
