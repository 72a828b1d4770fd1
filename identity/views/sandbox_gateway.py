"""SANDBOX: local stand-ins for the identity and enterprise verification gateways.

Speak exactly the protocols of :mod:`identity.verification.contrib.http`, so
the HTTP adapters can be exercised end to end on a laptop. They answer from the
sandbox identity and sandbox enterprise tables and are mounted only when
``SANDBOX_GATEWAYS_ENABLED`` (never in production settings).
"""

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..validators import is_valid_id_number, is_valid_uscc
from ..verification.base import EnterpriseOutcome
from ..verification.contrib.http import signature_is_valid
from ..verification.contrib.sandbox import sandbox_enterprise_outcome, sandbox_identity_outcome


def _signed_by_our_adapter(request: HttpRequest, config: dict) -> bool:
    return request.headers.get("X-App-Id") == config["APP_ID"] and signature_is_valid(
        config["SECRET"], headers=request.headers, body=request.body
    )


@csrf_exempt  # Server-to-server: authenticated by the request signature, not a cookie.
@require_POST
def identity_verify(request: HttpRequest) -> JsonResponse:
    if not _signed_by_our_adapter(request, settings.IDENTITY_VERIFIER_HTTP):
        return JsonResponse({"error": "INVALID_SIGNATURE"}, status=401)
    try:
        payload = json.loads(request.body)
        request_id, name, id_number = payload["requestId"], payload["name"], payload["idNumber"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "BAD_REQUEST"}, status=400)
    if not is_valid_id_number(id_number):
        return JsonResponse({"requestId": request_id, "result": "NO_RECORD", "reference": "sandbox"})
    result = sandbox_identity_outcome(name=name, id_number=id_number)
    return JsonResponse({"requestId": request_id, "result": result, "reference": "sandbox"})


@csrf_exempt  # Server-to-server: authenticated by the request signature, not a cookie.
@require_POST
def enterprise_verify(request: HttpRequest) -> JsonResponse:
    if not _signed_by_our_adapter(request, settings.ENTERPRISE_VERIFIER_HTTP):
        return JsonResponse({"error": "INVALID_SIGNATURE"}, status=401)
    try:
        payload = json.loads(request.body)
        request_id, uscc, name = payload["requestId"], payload["uscc"], payload["name"]
        representative = payload["legalRepresentative"]
        representative_name, representative_id_number = representative["name"], representative["idNumber"]
        if not all(isinstance(value, str) for value in (request_id, uscc, name, representative_name)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "BAD_REQUEST"}, status=400)
    if not is_valid_uscc(uscc):
        result = EnterpriseOutcome.NO_RECORD
    elif not isinstance(representative_id_number, str) or not is_valid_id_number(representative_id_number):
        result = EnterpriseOutcome.NOT_REPRESENTATIVE
    else:
        result = sandbox_enterprise_outcome(
            uscc=uscc,
            name=name,
            representative_name=representative_name,
            representative_id_number=representative_id_number,
        )
    return JsonResponse({"requestId": request_id, "result": result, "reference": "sandbox"})
