"""The gateways' notification endpoint (server to server, outside the language prefix)."""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .base import InvalidNotification
from .registry import gateways
from .services import NotificationRejected, notification_handle

logger = logging.getLogger(__name__)


@csrf_exempt  # Authenticated by the provider's signature, not a cookie.
@require_POST
def gateway_notify(request: HttpRequest, gateway: str) -> HttpResponse:
    plugin = gateways.get(gateway)
    if plugin is None:
        raise Http404
    try:
        notification = plugin.parse_notification(request=request)
        notification_handle(gateway=gateway, notification=notification)
    except (InvalidNotification, NotificationRejected) as exc:
        logger.warning("payment notification from %s refused: %s", gateway, exc)
        return plugin.notification_answer(accepted=False)
    return plugin.notification_answer(accepted=True)
