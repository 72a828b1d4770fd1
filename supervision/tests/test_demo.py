import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from supervision.constants import CardStatus, Colour
from supervision.models import SupervisionCard
from supervision.selectors import department_heads_by_department, is_supervisor

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_official_amr_a_supervisor_with_a_red_and_a_yellow_card_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    official = get_user_model().objects.get(username="official-amr")
    cards = SupervisionCard.objects.filter(department__code="scjg", status=CardStatus.OPEN)
    assert set(cards.values_list("colour", flat=True)) == {Colour.RED, Colour.YELLOW}
    amr = cards.first().department
    assert is_supervisor(user=official, department_id=amr.pk)
    assert official in department_heads_by_department()[amr.pk]
    assert cards.get(colour=Colour.RED).responsible == official
    count = SupervisionCard.objects.count()

    call_command("seed_demo", stdout=io.StringIO())
    assert SupervisionCard.objects.count() == count
