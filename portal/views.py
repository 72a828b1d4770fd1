from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front door. The catalogue issue fills it with search,
    hot services, life events, topics and departments."""
    return render(request, "portal/home.html")
