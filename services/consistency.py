"""Checks that a guide does not contradict itself before it is published.

A guide that promises 0 visits (全程网办) cannot also ask for an original (原件), which
only a counter can see, nor describe a step or answer that sends the resident somewhere
in person. Both the catalogue import and the admin's publish path call
:func:`fully_online_contradictions`, so no such guide reaches the portal.
"""

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from .constants import MaterialForm

# Forms of a material that only a counter can receive.
IN_PERSON_FORMS = frozenset({MaterialForm.ORIGINAL, MaterialForm.ORIGINAL_AND_COPY})
# Phrases that send the resident somewhere in person.
IN_PERSON_PHRASES = re.compile(r"携带|到窗口|窗口受理|窗口提交|窗口领取|到场|亲自到|到现场|现场办理|现场签|当面|面签")
# ... unless the same clause says it is not needed ("无需到窗口").
NEGATIONS = re.compile(r"无需|不需|不必|不用|免于|免去|无须")
CLAUSE_BREAK = re.compile(r"[，。；、,.;!?！？\n]")


def _sends_in_person(text: str) -> str | None:
    """The first in-person phrase of ``text`` whose clause does not negate it."""
    for match in IN_PERSON_PHRASES.finditer(text or ""):
        clause_start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, match.start())), default=0)
        if not NEGATIONS.search(text, clause_start, match.start()):
            return match.group()
    return None


def _field(row, name: str) -> str:
    return row.get(name, "") if isinstance(row, Mapping) else getattr(row, name, "")


def fully_online_contradictions(
    *, on_site_visits: int, materials: Iterable, steps: Iterable, faqs: Iterable
) -> list[str]:
    """Why a guide with ``on_site_visits == 0`` contradicts itself (empty when it does not).

    Rows are dicts (an import record) or model instances (a version's parts).
    """
    if on_site_visits != 0:
        return []
    problems = []
    for material in materials:
        if _field(material, "form") in IN_PERSON_FORMS:
            problems.append(
                _("全程网办（0 次跑动）的事项不能要求提交原件：材料「%(name)s」应为电子材料或电子证照。")
                % {"name": _field(material, "name")}
            )
    for step in steps:
        phrase = _sends_in_person(f"{_field(step, 'name')}，{_field(step, 'description')}")
        if phrase:
            problems.append(
                _("全程网办（0 次跑动）的事项不能有现场环节：办理流程「%(name)s」写有「%(phrase)s」。")
                % {"name": _field(step, "name"), "phrase": phrase}
            )
    for faq in faqs:
        phrase = _sends_in_person(_field(faq, "answer"))
        if phrase:
            problems.append(
                _("全程网办（0 次跑动）的事项不能要求到现场：常见问题「%(question)s」的回答写有「%(phrase)s」。")
                % {"question": _field(faq, "question"), "phrase": phrase}
            )
    return problems
