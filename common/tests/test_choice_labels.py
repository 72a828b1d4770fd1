"""get_<field>_display() through ChoiceLabelsMixin answers as Django's own does, in the active language."""

from django.utils import translation

from applications.constants import Status
from applications.models import Application
from services.models import ServiceItem


def test_the_label_follows_the_active_language():
    item = ServiceItem(audience="enterprise")
    with translation.override("zh-hans"):
        assert item.get_audience_display() == "法人"
    with translation.override("en"):
        assert item.get_audience_display() == "Enterprises"
    assert Application(status=Status.SUPPLEMENT_REQUESTED).get_status_display() == str(
        Status.SUPPLEMENT_REQUESTED.label
    )


def test_a_value_outside_the_choices_is_shown_as_it_is():
    assert ServiceItem(audience="someone").get_audience_display() == "someone"
    assert Application(status="").get_status_display() == ""
