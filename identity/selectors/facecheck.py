"""Reads of face checks (实人认证)."""

import uuid

from ..models import FaceCheck


def face_check_for(user, check_id) -> FaceCheck | None:
    """``user``'s own face check ``check_id`` (a UUID or its string), or None: someone
    else's check, an unknown id and a malformed one all read as None."""
    if user is None or not user.is_authenticated:
        return None
    try:
        check_id = uuid.UUID(str(check_id))
    except ValueError:
        return None
    return FaceCheck.objects.filter(pk=check_id, user=user).first()
