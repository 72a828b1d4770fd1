"""The demo catalogue a test asks for (``catalogue``) is copied from rows seeded once per test
process (common/testing/database.py, ``seeded_rows``): it must be the catalogue ``seed`` makes,
with the history triggers and the id sequences working afterwards as after a real seed."""

from services import demo
from services.models import Department, ServiceItem, ServiceItemEvent


def test_the_copied_catalogue_is_the_one_seed_makes(catalogue):
    counts = (ServiceItem.objects.count(), ServiceItemEvent.objects.count(), Department.objects.count())
    assert counts[0] >= 67

    # Seeding again finds every item up to date: nothing created, no history written.
    lines = demo.seed()

    assert "新增 created 0" in lines[0]
    assert (ServiceItem.objects.count(), ServiceItemEvent.objects.count(), Department.objects.count()) == counts


def test_after_the_copy_history_is_recorded_and_new_rows_take_new_ids(catalogue):
    item = ServiceItem.objects.order_by("pk").first()
    events = ServiceItemEvent.objects.filter(pgh_obj=item).count()

    item.name_en += " (renamed)"
    item.save(update_fields=["name_en"])
    department = Department.objects.create(code="test-new", name="新部门", name_en="New department")

    assert ServiceItemEvent.objects.filter(pgh_obj=item).count() == events + 1
    assert department.pk > max(Department.objects.exclude(pk=department.pk).values_list("pk", flat=True))


def test_a_test_holding_catalogue_rows_already_gets_the_seed_itself(db, request):
    Department.objects.create(code="own", name="自己的部门", name_en="Own department")

    request.getfixturevalue("catalogue")

    assert Department.objects.filter(code="own").exists()
    assert ServiceItem.objects.count() >= 67
