"""Demo data for the dashboard: its summary, computed from the demo cases, payments and
ratings seeded before it, and the dashboard permission for the demo officials. DEMO ONLY."""

from django.contrib.auth.models import Group, Permission

from .services import summary_rebuild, summary_supported

DEMO_GROUP = "市场监管局 工作人员"


def seed() -> list[str]:
    group = Group.objects.filter(name=DEMO_GROUP).first()
    if group is not None:
        group.permissions.add(Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard"))
    if not summary_supported():
        return ["监测看板 / supervision dashboard: needs PostgreSQL, not computed on this database"]
    summary_rebuild()
    return ["监测看板 / supervision dashboard: /admin/dashboard/dashboard/ (admin, official-amr)"]
