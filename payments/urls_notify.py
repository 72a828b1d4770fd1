from django.urls import path

from . import views

app_name = "payments-notify"
urlpatterns = [path("<slug:gateway>/", views.gateway_notify, name="notify")]
