"""The portal inbox (消息): the signed-in user's messages, newest first.
Opening a message changes nothing; the page then marks it read by POST (its
script does so at once; without JavaScript, a “标为已读” button). Someone else's
message is not found (404)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .selectors import inbox_message_for, inbox_messages_for
from .services_inbox import inbox_message_mark_read

MESSAGES_PER_PAGE = 20


@login_required
@never_cache
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_messages_for(user=request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@never_cache
@require_safe
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = inbox_message_for(user=request.user, message_id=message_id)
    if message is None:
        raise Http404
    # Links are our own paths (/my/applications/…); anything else is not shown as a link.
    safe_link = message.link if url_has_allowed_host_and_scheme(message.link, allowed_hosts=None) else ""
    return render(request, "notifications/message.html", {"message": message, "link": safe_link})


@login_required
@never_cache
@require_POST
def message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    """Mark the user's message read: posted by the message page (static/js/inbox-read.js, or its button)."""
    message = inbox_message_for(user=request.user, message_id=message_id)
    if message is None:
        raise Http404
    inbox_message_mark_read(message=message)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"read": True})
    return redirect("notifications:message", message_id=message.pk)
