"""Importing the pensioners of a campaign from the social-security system's CSV, and the
export back to it.

The import is all or nothing: every row is checked first (required fields, the GB 11643
check character, the mobile format, duplicates within the file and within the campaign),
every bad row is reported with its line number and reason, and only a file with no bad
row is written, in one transaction. Exported cells pass through
:func:`common.spreadsheet.csv_cell`, so no name or note runs as a spreadsheet formula.
"""

import csv
import io
from dataclasses import dataclass, field
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from common.spreadsheet import csv_cell
from identity.personal_data import id_number_digest
from identity.validators import normalize_id_number, normalize_mobile

from .constants import CampaignStatus
from .models import Campaign, CertificationTask
from .services import beneficiaries_enrol

# Accepted header names for each column (Chinese as the social-security system exports, or English).
COLUMNS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "mobile": ("手机号码", "手机号", "mobile"),
    "region_code": ("地区代码", "region_code"),
    "pension_account": ("养老金账户", "养老金账号", "pension_account"),
}
REQUIRED = ("name", "id_number", "pension_account")


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("第%(line)d行：%(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ImportResult:
    created: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves GBK by default
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("无法识别文件编码，请另存为UTF-8编码的CSV文件。"), code="csv_encoding")


def _header_map(header: list[str]) -> dict[str, int]:
    names = [cell.strip() for cell in header]
    mapping = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                mapping[key] = index
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in mapping]
    if missing:
        raise ApplicationError(
            _("第1行（表头）缺少列：%(columns)s。") % {"columns": "、".join(missing)}, code="csv_header"
        )
    return mapping


def beneficiaries_import(*, campaign: Campaign, content: bytes, actor=None) -> ImportResult:
    """Check every row of ``content`` (CSV bytes) and, only if all are good, create the
    pensioners and their tasks in ``campaign`` (a draft or open one) in one transaction.

    :raises ApplicationError: for a file that cannot be read at all (encoding, header, size).
    """
    if len(content) > settings.BENEFITS_IMPORT_MAX_BYTES:
        raise ApplicationError(_("文件过大。"), code="csv_too_large")
    rows = list(csv.reader(io.StringIO(_decode(content))))
    if not rows:
        raise ApplicationError(_("文件是空的。"), code="csv_empty")
    mapping = _header_map(rows[0])
    if len(rows) - 1 > settings.BENEFITS_IMPORT_MAX_ROWS:
        raise ApplicationError(
            _("一次最多导入%(n)d行。") % {"n": settings.BENEFITS_IMPORT_MAX_ROWS}, code="csv_too_many_rows"
        )

    result = ImportResult()
    good: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not rows

        def cell(key: str, row=row) -> str:
            index = mapping.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        values = {key: cell(key) for key in COLUMNS}
        reasons = []
        for key in REQUIRED:
            if not values[key]:
                reasons.append(_("缺少%(column)s") % {"column": COLUMNS[key][0]})
        if values["name"] and len(values["name"]) > 50:
            reasons.append(_("姓名过长"))
        if values["pension_account"] and len(values["pension_account"]) > 40:
            reasons.append(_("养老金账户过长"))
        digest = ""
        if values["id_number"]:
            try:
                values["id_number"] = normalize_id_number(values["id_number"])
                digest = id_number_digest(values["id_number"])
            except ValidationError as exc:
                reasons.append(_("身份证号码无效（%(why)s）") % {"why": exc.messages[0]})
        if values["mobile"]:
            try:
                values["mobile"] = normalize_mobile(values["mobile"])
            except ValidationError:
                reasons.append(_("手机号码格式不正确"))
        values["region_code"] = values["region_code"] or campaign.region_code
        if len(values["region_code"]) > 12:
            reasons.append(_("地区代码过长"))
        if digest:
            if digest in seen:
                reasons.append(_("与第%(line)d行的身份证号码重复") % {"line": seen[digest]})
            else:
                seen[digest] = line
        if reasons:
            result.problems.append(RowProblem(line=line, reason="；".join(str(reason) for reason in reasons)))
        else:
            good.append({"line": line, "digest": digest, **values})

    already = set(
        CertificationTask.objects.filter(
            campaign=campaign, beneficiary__id_number_digest__in=[row["digest"] for row in good]
        ).values_list("beneficiary__id_number_digest", flat=True)
    )
    for row in good:
        if row["digest"] in already:
            result.problems.append(RowProblem(line=row["line"], reason=_("该人员已在本批次名单中")))
    result.problems.sort(key=lambda problem: problem.line)
    if result.problems:
        return result
    if not good:
        raise ApplicationError(_("文件中没有人员记录。"), code="csv_empty")

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == CampaignStatus.CLOSED:
            raise ApplicationError(_("该批次已结束，不能再导入。"), code="campaign_closed", status=HTTPStatus.CONFLICT)
        result.created = beneficiaries_enrol(campaign=campaign, people=good, actor=actor)
    return result


EXPORT_HEADER = (
    "养老金账户",
    "姓名",
    "身份证号码",
    "认证状态",
    "认证方式",
    "认证时间",
    "认证有效期至",
    "待遇发放状态",
    "豁免原因",
)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def campaign_export_rows(*, campaign: Campaign):
    """The rows of the export for the benefits system (header first): one query, streamed."""
    yield EXPORT_HEADER
    tasks = (
        CertificationTask.objects.filter(campaign=campaign)
        .select_related("beneficiary")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    for task in tasks:
        yield tuple(
            csv_cell(value)
            for value in (
                task.beneficiary.pension_account,
                task.beneficiary.name,
                task.beneficiary.id_number_masked,
                task.status,
                task.path,
                _when(task.certified_at),
                _when(task.certified_until),
                task.payment_status,
                task.exemption_reason,
            )
        )
