"""Forms of the officials' queue: one per decision, and the assignment form."""

from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .constants import ALLOWED_TRANSITIONS, Role, Status


@dataclass(frozen=True)
class DecisionKind:
    label: str  # the button
    comment_label: str
    comment_required: bool = False
    takes_result: bool = False


DECISIONS: dict[str, DecisionKind] = {
    Status.ACCEPTED: DecisionKind(_("受理"), _("受理意见（可选）")),
    Status.REFUSED: DecisionKind(_("不予受理"), _("不予受理的理由（必填）"), comment_required=True),
    Status.IN_REVIEW: DecisionKind(_("开始审查"), _("备注（可选）")),
    Status.SUPPLEMENT_REQUESTED: DecisionKind(_("要求补正"), _("需要补正的内容（必填）"), comment_required=True),
    Status.APPROVED: DecisionKind(_("准予许可"), _("审批意见（可选）"), takes_result=True),
    Status.DENIED: DecisionKind(_("不予许可"), _("不予许可的理由（必填）"), comment_required=True),
    Status.CONCLUDED: DecisionKind(_("办结"), _("备注（可选）")),
}


def official_decisions(status: str) -> list[str]:
    """The statuses an official may move a case to from ``status``, in table order."""
    return [to for (frm, to), roles in ALLOWED_TRANSITIONS.items() if frm == status and Role.OFFICIAL in roles]


class DecisionForm(forms.Form):
    """The comment is checked by the service (which requires it for refusals),
    so its message is the one the official sees; the browser asks first."""

    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    result_file = forms.FileField(
        label=_("办理结果文件（PDF，可选）"), required=False, widget=forms.ClearableFileInput(attrs={"accept": ".pdf"})
    )
    result_name = forms.CharField(label=_("办理结果名称"), required=False, max_length=200)

    def __init__(self, *args, to_status: str, default_result_name: str = "", **kwargs):
        super().__init__(*args, prefix=to_status, **kwargs)
        self.to_status = to_status
        self.kind = DECISIONS[to_status]
        self.fields["comment"].label = self.kind.comment_label
        if self.kind.comment_required:
            self.fields["comment"].widget.attrs["required"] = "required"
        if self.kind.takes_result:
            self.fields["result_name"].initial = default_result_name
        else:
            del self.fields["result_file"]
            del self.fields["result_name"]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("分派给"), queryset=get_user_model().objects.none())

    def __init__(self, *args, officials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officials
        self.fields["assignee"].label_from_instance = lambda user: (
            user.display_name or user.get_full_name() or user.username
        )
