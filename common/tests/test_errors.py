import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from common.exceptions import ApplicationError


class EchoSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)


@api_view(["POST"])
@permission_classes([AllowAny])
def echo(request, version=None):
    serializer = EchoSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    if serializer.validated_data["count"] > 3:
        raise ApplicationError("数量超过上限。", code="too_many", status=409, extra={"limit": 3})
    return Response(serializer.validated_data)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def private(request, version=None):
    return Response({})


def crash(request):
    raise RuntimeError("secret internal detail 11010519491231002X")


urlpatterns = [
    path("api/v1/echo/", echo),
    path("api/v1/private/", private),
    path("api/v1/crash/", crash),
    path("crash/", crash),
]
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"


@pytest.fixture
def raising_client(client):
    client.raise_request_exception = False
    return client


pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def test_application_error_becomes_problem_json(client):
    response = client.post("/api/v1/echo/", {"count": 5}, content_type="application/json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "http://127.0.0.1:8000/developers/errors/#too_many",
        "title": "Conflict",
        "status": 409,
        "detail": "数量超过上限。",
        "code": "too_many",
        "limit": 3,
    }


def test_validation_error_lists_fields_in_problem_json(client):
    response = client.post("/api/v1/echo/", {"count": 0}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "count" in body["errors"]


def test_unauthenticated_is_problem_json(client):
    response = client.get("/api/v1/private/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_api_path_is_problem_json_404(client):
    response = client.get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_server_error_leaks_no_traceback_to_api_or_page(raising_client):
    api = raising_client.get("/api/v1/crash/")
    assert api.status_code == 500
    assert api["Content-Type"] == "application/problem+json"
    assert "secret internal detail" not in api.content.decode()

    page = raising_client.get("/crash/")
    assert page.status_code == 500
    html = page.content.decode()
    assert "服务暂时不可用" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
