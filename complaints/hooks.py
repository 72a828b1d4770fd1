"""What complaints does when a case moves: prompt the applicant to rate a concluded case.

Registered on the applications workflow by ``ComplaintsConfig.ready()``.
"""

from common.i18n import lazy_display_name
from notifications.services import notify

from .constants import Stage
from .models import Evaluation


def prompt_rating(move) -> None:
    """An inbox (and SMS, if wanted) prompt to rate a concluded case (好差评), linking to the
    rating box on the case page. Not for a bundle's parent (its sub-cases are rated) or a case
    already rated at that stage."""
    application = move.application
    if application.service_item_id is None or not application.case_number:
        return
    if Evaluation.objects.filter(application=application, stage=Stage.CONCLUDED).exists():
        return
    notify(
        user=application.applicant,
        template="complaints.evaluation_prompt",
        context={"case_number": application.case_number, "service": lazy_display_name(application.service_item)},
        link=f"/my/applications/{application.case_number}/#evaluation-{Stage.CONCLUDED.value}",
    )
