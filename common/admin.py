"""Admin building blocks shared by the apps' case queues."""

from typing import ClassVar

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .exceptions import ApplicationError

# Django's own message, translated by its admin catalogue (a name, so makemessages leaves it there).
_DJANGO_SELECT_LABEL = "Select this object for an action - {}"


class ActionCheckboxMixin:
    """The change list's row checkbox written as HTML, as Django's widget would render it.

    Django renders a ``CheckboxInput`` through the form template engine for every row: a
    fifth of a 100-row case queue's time in a profile."""

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_(_DJANGO_SELECT_LABEL), str(obj)),
        )


class ShownRelationsJoinedMixin:
    """The foreign keys a ``ModelAdmin`` or inline shows in ``fields`` (plus ``row_relations``,
    for what a display method reads), joined in its rows' query: each row's related object is
    not read on its own. A read-only inline of ten rows naming their actor and type otherwise
    costs twenty queries (the test suite's N+1 detector refuses it)."""

    row_relations: tuple[str, ...] = ()

    def get_queryset(self, request):
        shown = [*(name for name in self.fields or () if _is_forward_relation(self.model, name)), *self.row_relations]
        queryset = super().get_queryset(request)
        return queryset.select_related(*shown) if shown else queryset


def _is_forward_relation(model, name) -> bool:
    if not isinstance(name, str):
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False  # a display method or a property
    return field.many_to_one or (field.one_to_one and field.concrete)


class ObjectActionsMixin:
    """Forms on an object's change page, each calling one service: accept, transfer, decide.

    The extension point for a ``ModelAdmin`` whose objects move through states. A subclass gives:

    * ``object_actions(request, obj) -> list[dict]``: the actions this official may take on
      ``obj`` now, each a dict with at least ``"key"`` (the template's other keys are free);
      the mixin adds ``"label"`` from ``object_action_labels`` and the form's ``"url"``;
    * ``perform_object_action(request, obj, action)``: calls the service, which locks, checks
      the transition and records it; an ``ApplicationError`` becomes the official's message;
    * ``object_action_labels``: ``{key: label}`` of every action the admin knows.

    The change form template includes ``admin/includes/object_actions.html``, which renders
    ``object_actions``: per action a text box, and a select when the action has ``choices``.

    The mixin adds the URL ``<object_id>/act/<action>/`` (named ``<app>_<model>_act``). It
    loads the object through ``get_object``, so the admin's own scoping (``get_queryset``)
    decides who sees what (an object outside it is a 404 on every page of the admin), and
    accepts only POST. It then leaves every decision to the
    service, which gives the official its own precise reason (a stale page, a hand-made form),
    reports the result and returns to the change page.
    """

    object_action_labels: ClassVar[dict] = {}

    def object_actions(self, request, obj) -> list[dict]:
        raise NotImplementedError

    def perform_object_action(self, request, obj, action: str) -> None:
        raise NotImplementedError

    def object_action_done_message(self, obj, action: str) -> str:
        return _("已完成：%(action)s。") % {"action": self.object_action_labels[action]}

    def object_action_done_url(self, request, obj, action: str) -> str:
        """Where the official goes once ``action`` is done: the object's page, unless the
        admin works from its list (e.g. the home visits still to make)."""
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _offered_actions(self, request, obj) -> list[dict]:
        actions = self.object_actions(request, obj)
        url_name = f"admin:{self.opts.app_label}_{self.opts.model_name}_act"
        for action in actions:
            action.setdefault("label", self.object_action_labels[action["key"]])
            action["url"] = reverse(url_name, args=[obj.pk, action["key"]])
        return actions

    def scoped_object_or_404(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is None:
            raise Http404
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The object the change view has just loaded: no second read for the actions.
        if obj is not None:
            context["object_actions"] = self._offered_actions(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # An object outside this official's scope is not found: a 404, not Django's redirect
        # to the index with a message repeating the id.
        raise Http404

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="{}_{}_act".format(*info),
            ),
            *super().get_urls(),
        ]

    def act_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in self.object_action_labels:
            raise Http404
        obj = self.scoped_object_or_404(request, object_id)
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        try:
            self.perform_object_action(request, obj, action)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(change_url)
        self.message_user(request, self.object_action_done_message(obj, action), messages.SUCCESS)
        return redirect(self.object_action_done_url(request, obj, action))
