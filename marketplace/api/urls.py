from django.urls import path

from .views import AgencyListView, PostingListView

urlpatterns = [
    path("marketplace/agencies/", AgencyListView.as_view(), name="marketplace-agencies"),
    path("marketplace/postings/", PostingListView.as_view(), name="marketplace-postings"),
]
