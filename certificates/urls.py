from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("my/certificates/", views.wallet, name="wallet"),
    path("my/certificates/<uuid:uuid>/", views.detail, name="detail"),
    path("my/certificates/<uuid:uuid>/pdf/", views.pdf, name="pdf"),
    path("my/certificates/<uuid:uuid>/shares/", views.share, name="share"),
    path("my/certificates/<uuid:uuid>/public/", views.public_fields, name="public_fields"),
    path("my/certificates/<uuid:uuid>/shares/<int:share_id>/withdraw/", views.withdraw, name="withdraw"),
    path("certificates/shared/<str:token>/", views.shared, name="shared"),
    path("certificates/verify/<str:token>/", views.verify, name="verify"),
]
