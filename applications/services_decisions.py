"""Officials' decisions on a case, with the documents they produce.

A decision is one transition (:func:`applications.services.application_transition`)
and, for an approval, the result document (a PDF) in the same transaction.
Two officials deciding the same case at once produce one transition and one
document: the second finds the case already decided and changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from .constants import Status
from .models import Application, ResultDocument
from .selectors import official_may_process
from .services import application_lock, application_transition_locked
from .uploads import check_upload, save_with_file


@dataclass(frozen=True)
class Decision:
    application: Application
    changed: bool
    result: ResultDocument | None = None


def application_decide(
    *, application_id: int, to_status: str, actor, comment: str = "", result_file=None, result_name: str = ""
) -> Decision:
    """Move the case to ``to_status`` as ``actor``; an approval may attach its result PDF.

    Idempotent: if the case is already in ``to_status`` nothing is recorded or
    stored, and ``changed`` is False.
    """
    checked = None
    if result_file is not None:
        if to_status != Status.APPROVED:
            raise ApplicationError(_("只有准予许可时才能上传办理结果。"), code="result_not_allowed")
        checked = check_upload(result_file)
        if checked.content_type != "application/pdf":
            raise ApplicationError(_("办理结果须为PDF文件。"), code="result_not_pdf")
    with transaction.atomic():
        try:
            current = application_lock(application_id=application_id, to_status=to_status)
        except Application.DoesNotExist:
            current = None
        if current is None or not official_may_process(user=actor, application=current):
            raise ApplicationError(_("该办件不属于您所在的部门。"), code="not_your_department", status=403)
        if current.status == to_status:
            return Decision(application=current, changed=False)
        application = application_transition_locked(
            application=current, to_status=to_status, actor=actor, comment=comment
        )
        result = None
        if checked is not None:
            name = result_name.strip() or (
                application.service_version.result_name if application.service_version_id else _("办理结果")
            )
            result = ResultDocument(application=application, name=name[:200], content_type=checked.content_type)
            save_with_file(result, checked.content)
    return Decision(application=application, changed=True, result=result)
