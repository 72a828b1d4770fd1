import csv
import io
import json

import pytest

from services import transfer
from services.constants import VersionStatus
from services.models import ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(ServiceItem.objects.order_by("code").values_list("code", "name", "published_version_id")),
        list(ServiceItemVersion.objects.order_by("pk").values_list("pk", "status", "promised_limit_days")),
    )


def test_export_then_import_changes_nothing(catalogue):
    before = _snapshot()
    for fmt in ("json", "csv"):
        result = transfer.catalogue_import(content=transfer.catalogue_export(fmt=fmt).encode(), fmt=fmt)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 67)
    assert _snapshot() == before


def test_a_changed_record_publishes_a_new_version_and_keeps_the_old(catalogue):
    records = json.loads(transfer.catalogue_export(fmt="json"))
    record = next(r for r in records if r["code"] == "440100-GA-005")
    record["promised_limit_days"] = 5
    record["fees"][0]["amount_fen"] = 10000
    result = transfer.catalogue_import(content=json.dumps([record], ensure_ascii=False), fmt="json")
    assert (result.created, result.updated) == (0, 1)
    item = ServiceItem.objects.get(code="440100-GA-005")
    assert item.published_version.version == 2
    assert item.published_version.fees.get().amount_fen == 10000
    old = item.versions.get(version=1)
    assert (old.status, old.promised_limit_days, old.fees.get().amount_fen) == (VersionStatus.SUPERSEDED, 7, 12000)


def test_json_import_with_one_bad_row_reports_its_line_and_changes_nothing(catalogue):
    before = _snapshot()
    text = transfer.catalogue_export(fmt="json")
    records = json.loads(text)
    records[0]["name"] = "改名后的事项"
    records[0]["promised_limit_days"] = 1
    records[3]["promised_limit_days"] = records[3]["statutory_limit_days"] + 5
    records.append({**records[5], "code": "NEW-1", "name": "新事项"})
    # One record per line: the array opens on line 1, record N is on line N + 1.
    text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"

    with pytest.raises(transfer.CatalogueImportError) as refused:
        transfer.catalogue_import(content=text, fmt="json")

    assert [(p.line, "promised_limit_days" in p.message) for p in refused.value.problems] == [(5, True)]
    assert "承诺时限不得超过法定时限" in refused.value.problems[0].message
    assert _snapshot() == before
    assert not ServiceItem.objects.filter(code="NEW-1").exists()


def test_csv_import_with_one_bad_row_reports_its_line_and_changes_nothing(catalogue):
    before = _snapshot()
    rows = list(csv.DictReader(io.StringIO(transfer.catalogue_export(fmt="csv"))))
    rows[0]["name"] = "改名后的事项"
    rows[9]["department"] = "no-such-department"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=transfer.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)

    with pytest.raises(transfer.CatalogueImportError) as refused:
        transfer.catalogue_import(content=buffer.getvalue(), fmt="csv")

    # The header is line 1; the tenth record is on line 11 (no cell spans lines).
    assert [p.line for p in refused.value.problems] == [11]
    assert "department" in refused.value.problems[0].message
    assert _snapshot() == before


def test_malformed_json_reports_the_line(catalogue):
    with pytest.raises(transfer.CatalogueImportError) as refused:
        transfer.catalogue_import(content='[\n{"code": "A"},\n{"code": \n]', fmt="json")
    assert refused.value.problems[0].line == 4


def test_a_database_error_mid_import_rolls_everything_back(catalogue):
    before = _snapshot()
    records = json.loads(transfer.catalogue_export(fmt="json"))
    records[0]["name"] = "改名后的事项"
    records[1]["name"] = "x" * 201  # longer than the column: refused by validation
    with pytest.raises(transfer.CatalogueImportError) as refused:
        transfer.catalogue_import(content=json.dumps(records, ensure_ascii=False), fmt="json")
    assert refused.value.problems[0].line == 1 or refused.value.problems[0].line > 0
    assert _snapshot() == before
