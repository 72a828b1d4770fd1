"""Every status change goes through the one transition function and the one table.

The last test exercises every path the code has (submit, accept, refuse,
review, supplement, resubmit, approve, deny, conclude, withdraw, a bundle's
fan-out, its parent's conclusion and its parent's withdrawal), collects the
recorded transitions and checks each (from, to, role) against the table.
"""

import ast
from pathlib import Path

import pytest

from applications import services
from applications.constants import ALLOWED_TRANSITIONS, Role, Status
from applications.models import Application, Transition
from common.exceptions import ApplicationError
from notifications.models import OutboxMessage

from .test_bundles import _submitted_bundle
from .test_workflow import _submitted

pytestmark = pytest.mark.usefixtures("demo_catalogue")

APPLICATIONS_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def resident(db):
    from identity.tests.factories import UserFactory

    return UserFactory(verified=True)


def _move(case, path, *, official, resident):
    for status, comment in path:
        actor = resident if Role.APPLICANT in ALLOWED_TRANSITIONS[(case.status, status)] else official
        case = services.application_transition(application_id=case.pk, to_status=status, actor=actor, comment=comment)
    return case


def test_submitting_an_accepted_case_is_refused_and_changes_nothing(resident, make_official):
    """Reproduction: submission used to re-number an accepted case and record accepted → submitted."""
    case = _submitted(resident)
    services.application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=make_official("ga"))
    case.refresh_from_db()
    number, submitted_at, deadline = case.case_number, case.submitted_at, case.promised_deadline

    with pytest.raises(ApplicationError) as refused:
        services.application_submit(application=case, actor=resident)

    assert refused.value.code == "transition_not_allowed"
    case.refresh_from_db()
    assert (case.status, case.case_number, case.submitted_at, case.promised_deadline) == (
        Status.ACCEPTED,
        number,
        submitted_at,
        deadline,
    )
    assert (
        not Transition.objects.filter(application=case, to_status=Status.SUBMITTED)
        .exclude(from_status=Status.DRAFT)
        .exists()
    )


@pytest.mark.parametrize("status", [Status.REFUSED, Status.WITHDRAWN, Status.CONCLUDED])
def test_no_case_but_a_draft_can_be_submitted(resident, make_official, status):
    case = _submitted(resident)
    official = make_official("ga")
    paths = {
        Status.REFUSED: [(Status.REFUSED, "材料不符")],
        Status.WITHDRAWN: [(Status.WITHDRAWN, "不办了")],
        Status.CONCLUDED: [(Status.ACCEPTED, ""), (Status.APPROVED, ""), (Status.CONCLUDED, "")],
    }
    case = _move(case, paths[status], official=official, resident=resident)

    with pytest.raises(ApplicationError) as refused:
        services.application_submit(application=case, actor=resident)
    assert refused.value.code == "transition_not_allowed"
    case.refresh_from_db()
    assert case.status == status


def test_a_repeated_submission_changes_nothing(resident):
    case = _submitted(resident)
    again = services.application_submit(application=case, actor=resident)
    assert again.case_number == case.case_number
    assert Transition.objects.filter(application=case).count() == 1


def test_resubmission_is_only_possible_where_the_table_allows_it(resident, make_official):
    case = _submitted(resident)
    services.application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=make_official("ga"))
    with pytest.raises(ApplicationError) as refused:
        services.application_transition(application_id=case.pk, to_status=Status.RESUBMITTED, actor=resident)
    assert refused.value.code == "transition_not_allowed"


def test_nobody_but_the_system_makes_the_systems_moves(resident, make_official):
    """A parent's conclusion is the system's: neither an official nor the applicant can make it."""
    parent = _submitted_bundle(resident)
    for actor in (make_official("ga"), resident):
        with pytest.raises(ApplicationError) as refused:
            services.application_transition(application_id=parent.pk, to_status=Status.CONCLUDED, actor=actor)
        assert refused.value.code == "transition_not_allowed"
    # And the system cannot make the officials' moves.
    child = parent.sub_cases.first()
    with pytest.raises(ApplicationError):
        services.application_transition(application_id=child.pk, to_status=Status.ACCEPTED, actor=None, system=True)
    parent.refresh_from_db()
    assert parent.status == Status.SUBMITTED


def test_the_fan_out_is_recorded_as_the_systems_submission_of_each_sub_case(resident):
    parent = _submitted_bundle(resident)
    assert list(Transition.objects.filter(application=parent).values_list("from_status", "to_status", "role")) == [
        (Status.DRAFT, Status.SUBMITTED, Role.APPLICANT)
    ]
    children = list(parent.sub_cases.order_by("pk"))
    assert len(children) == 4  # 出生一件事 fans out to four departments (test_bundles.py)
    for child in children:
        assert list(Transition.objects.filter(application=child).values_list("from_status", "to_status", "role")) == [
            (Status.DRAFT, Status.SUBMITTED, Role.SYSTEM)
        ]


def test_withdrawing_a_bundle_parent_withdraws_its_open_sub_cases_and_tells_each_department(resident, make_official):
    """Reproduction: the sub-cases stayed open in four queues, and the parent later became "concluded"."""
    parent = _submitted_bundle(resident)
    children = list(parent.sub_cases.select_related("department").order_by("pk"))
    officials = {child.pk: make_official(child.department.code) for child in children}
    decided, in_supplement, *untouched = children
    # One sub-case is already approved (decided); one waits for a supplement.
    _move(decided, [(Status.ACCEPTED, ""), (Status.APPROVED, "")], official=officials[decided.pk], resident=resident)
    _move(
        in_supplement,
        [(Status.ACCEPTED, ""), (Status.SUPPLEMENT_REQUESTED, "请补充材料")],
        official=officials[in_supplement.pk],
        resident=resident,
    )

    services.application_transition(
        application_id=parent.pk, to_status=Status.WITHDRAWN, actor=resident, comment="已在线下办理"
    )

    parent.refresh_from_db()
    assert parent.status == Status.WITHDRAWN
    for child in [in_supplement, *untouched]:
        child.refresh_from_db()
        assert child.status == Status.WITHDRAWN
        assert child.paused_since is None  # the clock no longer stands for a withdrawn case
        (recorded,) = Transition.objects.filter(application=child, to_status=Status.WITHDRAWN)
        assert (recorded.role, recorded.actor) == (Role.SYSTEM, None)
        assert parent.case_number in recorded.comment
        message = OutboxMessage.objects.get(template="applications.sub_case_withdrawn", user=officials[child.pk])
        assert message.context["case_number"] == child.case_number
        assert message.context["parent_case_number"] == parent.case_number
        assert message.context["reason"] == "已在线下办理"
        # It left the department's queue.
        assert not Application.objects.filter(
            pk=child.pk, status__in=(Status.SUBMITTED, Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED)
        ).exists()
    # The decided sub-case is not withdrawn; its department concludes it, and the parent stays withdrawn.
    decided.refresh_from_db()
    assert decided.status == Status.APPROVED
    assert not OutboxMessage.objects.filter(template="applications.sub_case_withdrawn", user=officials[decided.pk])
    services.application_transition(application_id=decided.pk, to_status=Status.CONCLUDED, actor=officials[decided.pk])
    parent.refresh_from_db()
    assert parent.status == Status.WITHDRAWN
    assert not Transition.objects.filter(application=parent, to_status=Status.CONCLUDED).exists()


def test_every_transition_the_code_makes_is_in_the_table(resident, make_official):
    official = make_official("ga")
    # Single items, one path each.
    paths = [
        [
            (Status.ACCEPTED, ""),
            (Status.IN_REVIEW, ""),
            (Status.SUPPLEMENT_REQUESTED, "请补充材料"),
            (Status.RESUBMITTED, ""),
            (Status.SUPPLEMENT_REQUESTED, "仍缺少材料"),
            (Status.RESUBMITTED, ""),
            (Status.IN_REVIEW, ""),
            (Status.APPROVED, ""),
            (Status.CONCLUDED, ""),
        ],
        [(Status.REFUSED, "不属于受理范围")],
        [(Status.ACCEPTED, ""), (Status.DENIED, "不符合条件"), (Status.CONCLUDED, "")],
        [(Status.ACCEPTED, ""), (Status.APPROVED, ""), (Status.CONCLUDED, "")],
        [(Status.ACCEPTED, ""), (Status.IN_REVIEW, ""), (Status.DENIED, "不符合条件")],
        [
            (Status.ACCEPTED, ""),
            (Status.SUPPLEMENT_REQUESTED, "请补充"),
            (Status.RESUBMITTED, ""),
            (Status.APPROVED, ""),
        ],
        [
            (Status.ACCEPTED, ""),
            (Status.SUPPLEMENT_REQUESTED, "请补充"),
            (Status.RESUBMITTED, ""),
            (Status.DENIED, "否"),
        ],
        [(Status.WITHDRAWN, "")],
        [(Status.ACCEPTED, ""), (Status.WITHDRAWN, "")],
        [(Status.ACCEPTED, ""), (Status.IN_REVIEW, ""), (Status.WITHDRAWN, "")],
        [(Status.ACCEPTED, ""), (Status.SUPPLEMENT_REQUESTED, "请补充"), (Status.WITHDRAWN, "")],
        [
            (Status.ACCEPTED, ""),
            (Status.SUPPLEMENT_REQUESTED, "请补充"),
            (Status.RESUBMITTED, ""),
            (Status.WITHDRAWN, ""),
        ],
    ]
    for path in paths:
        case = _move(_submitted(resident), path, official=official, resident=resident)
        assert case.status == path[-1][0]

    # An accepted case whose fee is paid moves on to review by itself (applications/payments_bridge.py).
    from payments.models import PaymentOrder
    from payments.services import order_events_relay, payment_confirm
    from services.models import Fee

    paid = _submitted(resident)
    Fee.objects.create(version=paid.service_version, name="工本费", amount_fen=1000, legal_basis="测试")
    _move(paid, [(Status.ACCEPTED, "")], official=official, resident=resident)
    order = PaymentOrder.objects.get(reference=f"application:{paid.pk}")
    payment_confirm(gateway="alipay", out_trade_no=order.out_trade_no, transaction_id="T1", amount_fen=1000, reason="")
    order_events_relay()
    paid.refresh_from_db()
    assert paid.status == Status.IN_REVIEW

    # A bundle whose sub-cases all end: refused, withdrawn, concluded → the parent concludes.
    concluded = _submitted_bundle(resident)
    endings = [
        [(Status.REFUSED, "不予受理")],
        [(Status.WITHDRAWN, "")],
        [(Status.ACCEPTED, ""), (Status.APPROVED, ""), (Status.CONCLUDED, "")],
        [(Status.ACCEPTED, ""), (Status.DENIED, "否"), (Status.CONCLUDED, "")],
    ]
    for child, path in zip(concluded.sub_cases.select_related("department").order_by("pk"), endings, strict=True):
        _move(child, path, official=make_official(child.department.code), resident=resident)
    concluded.refresh_from_db()
    assert concluded.status == Status.CONCLUDED
    # A bundle whose parent is withdrawn while its sub-cases are open, each at another stage.
    withdrawn = _submitted_bundle(resident)
    stages = [
        [(Status.ACCEPTED, "")],
        [(Status.ACCEPTED, ""), (Status.IN_REVIEW, "")],
        [(Status.ACCEPTED, ""), (Status.SUPPLEMENT_REQUESTED, "请补充")],
        [(Status.ACCEPTED, ""), (Status.SUPPLEMENT_REQUESTED, "请补充"), (Status.RESUBMITTED, "")],
    ]
    for child, path in zip(withdrawn.sub_cases.select_related("department").order_by("pk"), stages, strict=True):
        _move(child, path, official=make_official(child.department.code), resident=resident)
    services.application_transition(application_id=withdrawn.pk, to_status=Status.WITHDRAWN, actor=resident)
    # And one withdrawn while its sub-cases are all just submitted.
    services.application_transition(
        application_id=_submitted_bundle(resident).pk, to_status=Status.WITHDRAWN, actor=resident
    )

    produced = set(Transition.objects.values_list("from_status", "to_status", "role"))
    outside = {move for move in produced if move[2] not in ALLOWED_TRANSITIONS.get((move[0], move[1]), ())}
    assert outside == set()
    # Every pair and role of the table was produced: the paths above are all the code has.
    in_table = {(frm, to, role) for (frm, to), roles in ALLOWED_TRANSITIONS.items() for role in roles}
    assert produced == in_table
    assert withdrawn.sub_cases.filter(status=Status.WITHDRAWN).count() == 4


# Calls that write a status: Model(..., status=...), .create/.update/.update_or_create/.get_or_create(status=...).
WRITING_CALLS = {"Application", "create", "update", "update_or_create", "get_or_create", "bulk_update"}


def _status_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, enclosing function) of every statement in ``tree`` that writes a ``status``."""
    found = []

    def visit(node, function):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    found.append((node.lineno, function))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in WRITING_CALLS and any(keyword.arg == "status" for keyword in node.keywords):
                found.append((node.lineno, function))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "bulk_update":
            found.append((node.lineno, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def test_no_code_writes_a_case_status_outside_the_transition_function():
    """Grep by syntax: in the applications app, only the transition function assigns a status
    (application_transition locks the case and hands it to application_transition_locked)."""
    writes = {}
    for path in APPLICATIONS_DIR.rglob("*.py"):
        relative = path.relative_to(APPLICATIONS_DIR)
        if relative.parts[0] in ("tests", "migrations"):
            continue
        for line, function in _status_writes(ast.parse(path.read_text(), filename=str(path))):
            writes.setdefault(str(relative), []).append((line, function))
    assert {name: [fn for _line, fn in found] for name, found in writes.items()} == {
        "services.py": ["application_transition_locked"]
    }


def test_the_status_grep_finds_a_direct_write():
    """The check above is not blind: it finds each shape of direct write."""
    source = (
        "def sneaky(case):\n"
        "    case.status = 'submitted'\n"
        "    Application.objects.filter(pk=1).update(status='concluded')\n"
        "    Application(status='submitted')\n"
    )
    assert [function for _line, function in _status_writes(ast.parse(source))] == ["sneaky"] * 3


def _backends_waiting_for_a_lock() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        # Inside a transaction the statistics views are a snapshot taken at first use: refresh it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_sub_case_that_ends_locks_its_parent_first_so_a_withdrawal_never_deadlocks(make_official):
    """A parent's withdrawal locks the parent, then its sub-cases; a sub-case's refusal (which may
    conclude the parent) must take the parent first too, or the two wait on each other."""
    import threading
    import time

    from django.db import DatabaseError, connection, transaction

    from identity.tests.factories import UserFactory

    resident = UserFactory(verified=True)
    parent = _submitted_bundle(resident)
    child = parent.sub_cases.select_related("department").order_by("pk").first()
    official = make_official(child.department.code)
    errors = []

    def refuse():
        try:
            services.application_transition(
                application_id=child.pk, to_status=Status.REFUSED, actor=official, comment="不予受理"
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        # Hold the parent, as a withdrawal in progress does.
        Application.objects.select_for_update().get(pk=parent.pk)
        thread = threading.Thread(target=refuse)
        thread.start()
        deadline = time.monotonic() + 30
        while _backends_waiting_for_a_lock() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _backends_waiting_for_a_lock() == 1
        # The refusal waits for the parent without holding the sub-case: the withdrawal can take it.
        try:
            Application.objects.select_for_update(nowait=True).get(pk=child.pk)
        except DatabaseError:
            pytest.fail("the sub-case was locked before its parent")
    thread.join(timeout=30)

    assert errors == []
    child.refresh_from_db()
    assert child.status == Status.REFUSED
