"""``{% load evaluations %}{% evaluation_box application %}`` on the resident's case page.

Applications' templates load this library; applications' code never imports complaints.
"""

from django import template

from ..constants import FollowUpStatus, Stage
from ..forms import EvaluationForm
from ..selectors import evaluations_for_case
from ..services import evaluation_edit_deadline, evaluation_editable, stage_reached

register = template.Library()


@register.inclusion_tag("complaints/_evaluation_box.html", takes_context=True)
def evaluation_box(context, application):
    """The case's ratings by stage, and a form for each stage the applicant may still rate or
    change; the follow-up's result once it is closed. Shown to the applicant only."""
    request = context["request"]
    if not request.user.is_authenticated or request.user.pk != application.applicant_id:
        return {"stages": []}
    if application.service_item_id is None:
        return {"stages": []}
    rated = evaluations_for_case(application=application)
    stages = []
    for stage in (Stage.CONCLUDED, Stage.ACCEPTED):
        evaluation = rated.get(stage)
        if evaluation is None and not stage_reached(application=application, stage=stage):
            continue
        editable = evaluation is not None and evaluation_editable(evaluation)
        form = None
        if evaluation is None:
            form = EvaluationForm(prefix=stage)
        elif editable:
            form = EvaluationForm(
                initial={
                    "level": evaluation.level,
                    "tags": evaluation.tags,
                    "comment": evaluation.comment,
                },
                prefix=stage,
            )
        followup = getattr(evaluation, "followup", None) if evaluation else None
        stages.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "evaluation": evaluation,
                "tag_labels": _tag_labels(evaluation),
                "form": form,
                "edit_until": evaluation_edit_deadline(evaluation) if editable else None,
                "followup": followup,
                "followup_done": followup is not None
                and followup.status in (FollowUpStatus.CLOSED, FollowUpStatus.APPEAL_UPHELD),
            }
        )
    return {"stages": stages, "application": application, "request": request}


def _tag_labels(evaluation) -> list[str]:
    from ..constants import Tag

    if evaluation is None:
        return []
    return [Tag(tag).label for tag in evaluation.tags if tag in Tag.values]
