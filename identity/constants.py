from django.db import models
from django.utils.translation import gettext_lazy as _


class AssuranceLevel(models.IntegerChoices):
    """How sure we are who the account holder is. Service items may require a minimum."""

    L1 = 1, _("L1 手机号验证")
    L2 = 2, _("L2 实名核验")
    L3 = 3, _("L3 人脸或现场核验")


class SmsPurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    RESET_PASSWORD = "reset_password", _("重置密码")


class VerificationOutcome(models.TextChoices):
    MATCHED = "matched", _("一致")
    MISMATCHED = "mismatched", _("不一致")
    ERROR = "error", _("核验服务异常")


class PersonalDataField(models.TextChoices):
    ID_NUMBER = "id_number", _("身份证号码")
    USCC = "uscc", _("统一社会信用代码")
    MATERIAL = "material", _("申请材料")
    # Who submitted a report (举报): hidden from officials without complaints.view_reporter_identity.
    REPORTER = "reporter", _("举报人身份")
    # An export of audit records (audit/admin.py): the history of users and cases holds personal data.
    AUDIT_EXPORT = "audit_export", _("审计记录导出")


class FaceCheckStatus(models.TextChoices):
    """Where a remote face check (实人认证) stands. Only ``pending`` moves, and only once."""

    PENDING = "pending", _("进行中")
    PASSED = "passed", _("已通过")
    FAILED = "failed", _("未通过")
    EXPIRED = "expired", _("已过期")


class FaceCheckDecision(models.TextChoices):
    """What the provider decided, in our words (each provider maps its own codes to these)."""

    PASS = "pass", _("通过")
    NO_MATCH = "no_match", _("人像比对不一致")
    LIVENESS_FAILED = "liveness_failed", _("活体检测未通过（疑似假体攻击）")
    CANCELLED = "cancelled", _("用户取消")
    ERROR = "error", _("服务异常")


# A face check may leave ``pending`` once, to one of these; a finished check never changes again.
FACE_CHECK_TRANSITIONS = {
    FaceCheckStatus.PENDING: {FaceCheckStatus.PASSED, FaceCheckStatus.FAILED, FaceCheckStatus.EXPIRED},
    FaceCheckStatus.PASSED: set(),
    FaceCheckStatus.FAILED: set(),
    FaceCheckStatus.EXPIRED: set(),
}
