"""The CSP middleware's cached site-wide policy is exactly the one django-csp builds, and
everything that changes the policy per response still goes through django-csp."""

import pytest
from csp import middleware as csp_middleware
from csp.constants import NONCE, SELF
from csp.exceptions import CSPNonceError
from django.http import HttpResponse
from django.test import RequestFactory

from common.middleware import CSPMiddleware

HEADER = "Content-Security-Policy"


def _both(request_factory_request, response_factory):
    ours = CSPMiddleware(lambda request: response_factory())
    theirs = csp_middleware.CSPMiddleware(lambda request: response_factory())
    return ours(request_factory_request()), theirs(request_factory_request())


def test_site_wide_policy_is_the_one_django_csp_builds():
    factory = RequestFactory()
    ours, theirs = _both(lambda: factory.get("/"), lambda: HttpResponse("ok"))
    assert ours[HEADER] == theirs[HEADER]
    assert "default-src 'self'" in ours[HEADER]
    assert "Content-Security-Policy-Report-Only" not in ours


def test_a_per_response_update_still_applies():
    def response():
        answer = HttpResponse("consent")
        answer._csp_update = {"form-action": ["https://partner.example"]}
        return answer

    factory = RequestFactory()
    ours, theirs = _both(lambda: factory.get("/o/authorize/"), response)
    assert "https://partner.example" in ours[HEADER]
    assert ours[HEADER] == theirs[HEADER]


def test_a_nonce_used_by_the_page_reaches_the_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request = RequestFactory().get("/")
    middleware = CSPMiddleware(view)
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    request = RequestFactory().get("/")
    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse("ok"))
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_changed_setting_is_picked_up(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = CSPMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert response[HEADER] == "default-src 'none'"


def test_excluded_paths_are_left_to_django_csp(settings):
    settings.CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ["/excluded/"], "DIRECTIVES": {"default-src": [SELF]}}
    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    assert HEADER not in middleware(RequestFactory().get("/excluded/page/"))
    assert middleware(RequestFactory().get("/"))[HEADER] == "default-src 'self'"
