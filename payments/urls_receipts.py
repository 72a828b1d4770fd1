from django.urls import path

from . import views

app_name = "payments-receipts"
urlpatterns = [path("<str:number>/", views.receipt_check, name="check")]
