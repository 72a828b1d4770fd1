"""Catalogue import and export as JSON or CSV.

One record is one service item with its guide. JSON is an array of records;
CSV has one record per row, with the list-valued columns (``life_events``,
``channels``, ``materials``, ``fees``, ``steps``, ``special_steps``, ``faqs``)
as JSON text in their cell.

An import is all or nothing: every record is validated first and each bad one
is reported with its line number; then all records are written in one
transaction. A record whose guide differs from the published version gets a
new published version; an identical one changes nothing, so re-importing an
export is a no-op.
"""

import csv
import io
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from rest_framework import serializers

from common.exceptions import ApplicationError

from .consistency import fully_online_contradictions
from .constants import (
    Audience,
    Channel,
    FeeExemptionCategory,
    FeeOrderPoint,
    ItemType,
    MaterialForm,
    OnlineDepth,
    ResultType,
    VersionStatus,
)
from .models import (
    FAQ,
    Department,
    Fee,
    LifeEvent,
    Material,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialStep,
    split_terms,
)
from .services import service_item_reindex, service_item_version_publish

ITEM_FIELDS = ("code", "name", "name_en", "aliases", "keywords", "item_type", "audience", "popularity")
VERSION_FIELDS = (
    "legal_basis",
    "conditions",
    "statutory_limit_days",
    "promised_limit_days",
    "on_site_visits",
    "online_depth",
    "channels",
    "result_type",
    "result_name",
    "service_location",
    "contact_phone",
    "complaint_phone",
    "notes",
    "fee_order_point",
)
PART_FIELDS = {
    "materials": (Material, ("name", "form", "copies", "mandatory", "certificate_type_code", "note")),
    "fees": (Fee, ("name", "amount_fen", "legal_basis", "exempt_categories", "exemption_basis")),
    "steps": (ProcessStep, ("name", "description")),
    "special_steps": (SpecialStep, ("name", "max_days", "description")),
    "faqs": (FAQ, ("question", "answer")),
}
# The application form (JSON Schema) travels with the guide. A record without one keeps the form
# of the version it replaces, so an import of guide texts never drops a form.
FORM_FIELD = "form_schema"
LIST_COLUMNS = ("life_events", "channels", *PART_FIELDS, FORM_FIELD)
CSV_COLUMNS = (*ITEM_FIELDS, "department", "life_events", *VERSION_FIELDS, *PART_FIELDS, FORM_FIELD)


class _MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    form = serializers.ChoiceField(choices=MaterialForm.choices)
    copies = serializers.IntegerField(min_value=0, max_value=100, default=1)
    mandatory = serializers.BooleanField(default=True)
    certificate_type_code = serializers.CharField(max_length=64, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, allow_blank=True, default="")


class _FeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    amount_fen = serializers.IntegerField(min_value=0)
    legal_basis = serializers.CharField(max_length=300)
    exempt_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=FeeExemptionCategory.choices), default=list
    )
    exemption_basis = serializers.CharField(max_length=300, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["exempt_categories"] and not attrs["exemption_basis"]:
            raise serializers.ValidationError({"exemption_basis": _("设置减免对象时须填写减免依据。")})
        return attrs


class _StepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(allow_blank=True, default="")


class _SpecialStepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    max_days = serializers.IntegerField(min_value=0, max_value=32767, allow_null=True, default=None)
    description = serializers.CharField(allow_blank=True, default="")


class _FAQSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    answer = serializers.CharField()


class _CodeField(serializers.SlugRelatedField):
    """A department or life event by its code, looked up in the rows the import read at once
    (``context["by_code"][model]``) rather than one query per record."""

    def to_internal_value(self, data):
        rows = self.context.get("by_code", {}).get(self.get_queryset().model)
        if rows is None:
            return super().to_internal_value(data)
        if not isinstance(data, str | int):
            self.fail("invalid")
        try:
            return rows[str(data)]
        except KeyError:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))


class CatalogueRecordSerializer(serializers.Serializer):
    """Validates one imported record. Messages are shown to catalogue managers."""

    code = serializers.RegexField(r"^[0-9A-Za-z_.-]{1,64}$")
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=300, allow_blank=True, default="")
    aliases = serializers.CharField(max_length=300, allow_blank=True, default="")
    keywords = serializers.CharField(max_length=300, allow_blank=True, default="")
    item_type = serializers.ChoiceField(choices=ItemType.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    popularity = serializers.IntegerField(min_value=0, default=0)
    department = _CodeField(slug_field="code", queryset=Department.objects.all())
    life_events = _CodeField(slug_field="code", queryset=LifeEvent.objects.all(), many=True, required=False)
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    statutory_limit_days = serializers.IntegerField(min_value=0, max_value=32767)
    promised_limit_days = serializers.IntegerField(min_value=0, max_value=32767)
    on_site_visits = serializers.IntegerField(min_value=0, max_value=10)
    online_depth = serializers.ChoiceField(choices=OnlineDepth.choices)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), allow_empty=True)
    result_type = serializers.ChoiceField(choices=ResultType.choices)
    result_name = serializers.CharField(max_length=200)
    service_location = serializers.CharField(max_length=300, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=50)
    complaint_phone = serializers.CharField(max_length=50)
    notes = serializers.CharField(allow_blank=True, default="")
    fee_order_point = serializers.ChoiceField(choices=FeeOrderPoint.choices, allow_blank=True, default="")
    materials = _MaterialSerializer(many=True, default=list)
    fees = _FeeSerializer(many=True, default=list)
    steps = _StepSerializer(many=True, allow_empty=False)
    special_steps = _SpecialStepSerializer(many=True, default=list)
    faqs = _FAQSerializer(many=True, default=list)
    form_schema = serializers.JSONField(required=False)

    def validate_form_schema(self, value):
        return form_schema_check(value)

    def validate_aliases(self, value):
        return ",".join(split_terms(value))

    def validate_keywords(self, value):
        return ",".join(split_terms(value))

    def validate(self, attrs):
        if attrs["promised_limit_days"] > attrs["statutory_limit_days"]:
            raise serializers.ValidationError({"promised_limit_days": _("承诺时限不得超过法定时限。")})
        contradictions = fully_online_contradictions(
            on_site_visits=attrs["on_site_visits"],
            materials=attrs.get("materials", []),
            steps=attrs["steps"],
            faqs=attrs.get("faqs", []),
        )
        if contradictions:
            raise serializers.ValidationError({"on_site_visits": contradictions})
        return attrs


def form_schema_check(value) -> dict:
    """An application form: an object schema whose properties are valid JSON Schema, ordered by ``x-order``."""
    if not isinstance(value, dict):
        raise serializers.ValidationError(_("申请表单应为 JSON 对象。"))
    if not value:
        return value
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise serializers.ValidationError(_("申请表单不是有效的 JSON Schema：%s") % exc.message) from None
    properties = value.get("properties")
    if value.get("type") != "object" or not isinstance(properties, dict) or not properties:
        raise serializers.ValidationError(_("申请表单应为带字段（properties）的对象。"))
    unknown = [name for name in value.get("x-order", []) if name not in properties]
    if unknown:
        raise serializers.ValidationError(_("x-order 中的字段未定义：%s") % "、".join(unknown))
    return value


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("第 %(line)d 行：%(message)s") % {"line": self.line, "message": self.message}


class CatalogueImportError(ApplicationError):
    """The file was refused; ``problems`` lists each bad record's line and reason."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__(
            _("导入失败，目录未作任何修改：") + "; ".join(str(problem) for problem in problems),
            code="import_refused",
            extra={"problems": [{"line": p.line, "message": p.message} for p in problems]},
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _flatten_errors(errors, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        messages = []
        for field, value in errors.items():
            name = field if field != "non_field_errors" else ""
            messages += _flatten_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return messages
    if isinstance(errors, list):
        messages = []
        for index, value in enumerate(errors):
            if isinstance(value, dict | list) and value:
                messages += _flatten_errors(value, f"{prefix}[{index + 1}]")
            elif value:
                messages.append(f"{prefix}: {value}" if prefix else str(value))
        return messages
    return [f"{prefix}: {errors}" if prefix else str(errors)]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def parse_json(text: str) -> list[tuple[int, object]]:
    """Records of a JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if not text.startswith("[", position):
        raise CatalogueImportError([ImportProblem(_line_of(text, position), _("JSON 文件应为记录数组。"))])
    position += 1
    records = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            raise CatalogueImportError([ImportProblem(_line_of(text, position), _("JSON 数组没有结束。"))])
        if text[position] == "]":
            return records
        try:
            record, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise CatalogueImportError([ImportProblem(exc.lineno, _("JSON 格式错误：%s") % exc.msg)]) from None
        records.append((_line_of(text, position), record))
        position = end


def parse_csv(text: str) -> list[tuple[int, object]]:
    """Records of a CSV file with a header row, each with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    records = []
    problems = []
    line = 2
    for row in reader:
        record = {key: value for key, value in row.items() if key is not None and value not in (None, "")}
        for column in LIST_COLUMNS:
            if column in record:
                try:
                    record[column] = json.loads(record[column])
                except json.JSONDecodeError:
                    problems.append(ImportProblem(line, _("%(column)s 列不是有效的 JSON。") % {"column": column}))
        records.append((line, record))
        # A quoted cell may span lines; the reader knows where the row ended.
        line = reader.line_num + 1
    if problems:
        raise CatalogueImportError(problems)
    return records


def catalogue_import(*, content: str | bytes, fmt: str, published_by=None) -> ImportResult:
    """Import a catalogue file (``fmt`` is ``"json"`` or ``"csv"``), all or nothing.

    Raises ``CatalogueImportError`` listing every bad record's line and reason;
    the catalogue is then unchanged.
    """
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    if fmt == "json":
        records = parse_json(text)
    elif fmt == "csv":
        records = parse_csv(text)
    else:
        raise ApplicationError(_("不支持的格式：%s") % fmt, code="unsupported_format")
    return catalogue_import_records(records=records, published_by=published_by)


def catalogue_import_records(*, records: list[tuple[int, object]], published_by=None) -> ImportResult:
    """Validate and write already-parsed ``(line, record)`` pairs, all or nothing."""
    validated, problems, seen = [], [], {}
    by_code = {model: {row.code: row for row in model.objects.all()} for model in (Department, LifeEvent)}
    for line, record in records:
        if not isinstance(record, dict):
            problems.append(ImportProblem(line, _("记录应为对象。")))
            continue
        serializer = CatalogueRecordSerializer(data=record, context={"by_code": by_code})
        if not serializer.is_valid():
            problems.append(ImportProblem(line, "; ".join(_flatten_errors(serializer.errors))))
            continue
        code = serializer.validated_data["code"]
        if code in seen:
            problems.append(
                ImportProblem(line, _("事项编码 %(code)s 与第 %(line)d 行重复。") % {"code": code, "line": seen[code]})
            )
            continue
        seen[code] = line
        validated.append((line, serializer.validated_data))
    if problems:
        raise CatalogueImportError(problems)

    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            item.code: item
            for item in ServiceItem.objects.filter(code__in=seen)
            .select_related("published_version")
            .prefetch_related("life_events", *(f"published_version__{related}" for related in PART_FIELDS))
        }
        for line, data in validated:
            try:
                with transaction.atomic():
                    outcome = _write_record(data, existing.get(data["code"]), published_by)
            except (IntegrityError, ApplicationError) as exc:
                message = exc.message if isinstance(exc, ApplicationError) else str(exc).splitlines()[0]
                raise CatalogueImportError([ImportProblem(line, str(message))]) from exc
            created += outcome == "created"
            updated += outcome == "updated"
            unchanged += outcome == "unchanged"
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _write_record(data: dict, item: ServiceItem | None, published_by) -> str:
    outcome = "updated"
    if item is None:
        item = ServiceItem(code=data["code"])
        outcome = "created"
    item_changed = (
        outcome == "created"
        or any(getattr(item, field) != data[field] for field in ITEM_FIELDS)
        or item.department_id != data["department"].pk
    )
    for field in ITEM_FIELDS:
        setattr(item, field, data[field])
    item.department = data["department"]
    if item_changed:
        item.save()
    life_events = data.get("life_events", [])
    if outcome == "created" or {e.pk for e in item.life_events.all()} != {e.pk for e in life_events}:
        item.life_events.set(life_events)
        item_changed = True

    wanted = _guide_of(data)
    published = item.published_version
    form_unchanged = published is not None and data.get(FORM_FIELD, published.form_schema) == published.form_schema
    if published is not None and form_unchanged and _guide_of(_version_record(published)) == wanted:
        if item_changed:
            # Name or aliases may have changed: the search document follows.
            service_item_reindex(item=item)
            return outcome
        return "unchanged"

    latest = item.versions.aggregate(latest=Max("version"))["latest"] or 0
    # The new version is created with its form, before it is published: a published form is never edited.
    form_schema = data.get(FORM_FIELD, published.form_schema if published is not None else {})
    version = ServiceItemVersion.objects.create(
        item=item,
        version=latest + 1,
        status=VersionStatus.DRAFT,
        form_schema=form_schema,
        **{f: data[f] for f in VERSION_FIELDS},
    )
    for related, (model, fields) in PART_FIELDS.items():
        model.objects.bulk_create(
            model(version=version, order=index, **{f: row[f] for f in fields})
            for index, row in enumerate(data[related], start=1)
        )
    service_item_version_publish(version=version, published_by=published_by)
    return outcome


def _guide_of(record: dict) -> dict:
    """The part of a record that a version holds, normalised for comparison."""
    guide = {field: record[field] for field in VERSION_FIELDS}
    for related, (_model, fields) in PART_FIELDS.items():
        guide[related] = [{f: row.get(f) for f in fields} for row in record[related]]
    return guide


def _version_record(version: ServiceItemVersion) -> dict:
    record = {field: getattr(version, field) for field in VERSION_FIELDS}
    for related, (_model, fields) in PART_FIELDS.items():
        record[related] = [{f: getattr(row, f) for f in fields} for row in getattr(version, related).all()]
    return record


def catalogue_records() -> list[dict]:
    """Every published item as an import record, in code order."""
    items = (
        ServiceItem.objects.filter(published_version__isnull=False)
        .select_related("department", "published_version")
        .prefetch_related(
            Prefetch("life_events", queryset=LifeEvent.objects.only("code")),
            *(f"published_version__{related}" for related in PART_FIELDS),
        )
        .order_by("code")
    )
    records = []
    for item in items:
        record = {field: getattr(item, field) for field in ITEM_FIELDS}
        record["department"] = item.department.code
        record["life_events"] = sorted(event.code for event in item.life_events.all())
        record.update(_version_record(item.published_version))
        record[FORM_FIELD] = item.published_version.form_schema
        records.append(record)
    return records


def catalogue_export(*, fmt: str) -> str:
    """The published catalogue as JSON (one record per line) or CSV text."""
    records = catalogue_records()
    if fmt == "json":
        return "[\n" + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False) if key in LIST_COLUMNS else value
                    for key, value in record.items()
                }
            )
        return buffer.getvalue()
    raise ApplicationError(_("不支持的格式：%s") % fmt, code="unsupported_format")
