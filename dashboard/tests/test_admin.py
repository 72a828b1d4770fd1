"""The dashboard page in the admin: who may open it, what it shows, and the CSV export of each table
(streamed, scoped like the page)."""

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Permission

from applications.constants import Status
from applications.tests.factories import application_in, official, published_item
from dashboard.selectors import TABLES
from dashboard.services import summary_rebuild
from identity.tests.factories import UserFactory, login_with_totp

pytestmark = pytest.mark.django_db

PAGE = "/admin/dashboard/dashboard/"


def grant_dashboard(user):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard"))
    return user


@pytest.fixture
def cases():
    ga = published_item(code="GA-DASH", name="食品经营许可", department_code="ga")
    rsj = published_item(code="RSJ-DASH", name="失业登记", department_code="rsj")
    for item in (ga, rsj):
        application_in(Status.CONCLUDED, item=item)
        application_in(Status.SUBMITTED, item=item)
    summary_rebuild()
    return ga, rsj


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_an_official_without_the_permission_is_refused(client, cases):
    officer = official(department="ga")
    login_with_totp(client, officer)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "export/volume.csv").status_code == 403


def test_the_page_shows_each_chart_with_its_table_and_export(client, cases):
    officer = grant_dashboard(official(department="ga"))
    login_with_totp(client, officer)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for key in TABLES:
        # The chart's data for the static script, its table fallback, and the table's CSV link.
        match = re.search(rf'<script id="chart-data-{key}" type="application/json">(.*?)</script>', html, re.S)
        assert match, key
        assert json.loads(match.group(1))["series"], key
        assert f'href="/admin/dashboard/dashboard/export/{key}.csv"' in html
    main = html[html.index('<div id="content-main"') :]
    assert main.count("<details>") == main.count("<caption>") == len(TABLES)
    assert "/static/dashboard/vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "食品经营许可" in html
    assert "失业登记" not in html  # another department's service
    # The admin index links to it.
    assert PAGE in client.get("/admin/").content.decode()


def test_the_csv_export_streams_the_table_with_the_same_scope(client, cases):
    ga, _rsj = cases
    officer = grant_dashboard(official(department="ga"))
    login_with_totp(client, officer)
    response = client.get(PAGE + "export/on_time.csv?period=week")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["部门", "办结件数", "承诺时限内办结率（%）", "法定时限内办结率（%）", "平均用时（工作日）"]
    assert [row[0] for row in rows[1:]] == [ga.department.name, "合计"]
    assert rows[1][1] == "1"

    superuser = UserFactory(official=True, is_superuser=True)
    login_with_totp(client, superuser)
    rows = _csv(client.get(PAGE + "export/on_time.csv"))
    assert len(rows) == 4  # headers, both departments, the total
    assert rows[-1][1] == "2"
    rows = _csv(client.get(PAGE + f"export/duration.csv?department={ga.department_id}"))
    assert [row[0] for row in rows[1:]] == ["食品经营许可"]
    assert client.get(PAGE + "export/nothing.csv").status_code == 404


def test_a_figure_with_nothing_to_count_is_an_empty_cell_and_text_is_never_a_formula(client, cases):
    from services.models import Department

    Department.objects.filter(code="ga").update(name="=HYPERLINK(1)")
    superuser = UserFactory(official=True, is_superuser=True)
    login_with_totp(client, superuser)
    rows = _csv(client.get(PAGE + "export/simplify.csv"))
    assert rows[1][0] == "'=HYPERLINK(1)"
    rows = _csv(client.get(PAGE + "export/satisfaction.csv"))
    assert rows[-1] == ["合计", "0", "", "0", ""]
