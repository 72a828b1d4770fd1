"""Audit records are declared once, on the models, and both readers see the declaration."""

from audit.registry import audit_sources
from common.audit_records import declared_audit_records
from monitoring.retention import audit_models


def test_declared_records_name_real_columns():
    declared = declared_audit_records()
    assert len(declared) >= 19
    for model, record in declared.items():
        model._meta.get_field(record.time_field)
        if record.actor_field:
            assert model._meta.get_field(record.actor_field.removesuffix("_id")).is_relation


def test_the_retention_floor_covers_declared_records_history_and_other_packages():
    floor = audit_models()
    assert floor["applications.Transition"] == "created_at"
    assert floor["identity.UserSession"] == "created_at"  # an audit record, not an access log
    assert floor["applications.ApplicationEvent"] == "pgh_created_at"
    assert floor["axes.AccessLog"] == "attempt_time"


def test_only_access_logs_and_history_are_audit_sources():
    labels = {source.label for source in audit_sources()}
    assert "identity.PersonalDataAccess" in labels
    assert "identity.UserSession" not in labels
    actors = {source.label: source.actor for source in audit_sources() if not source.is_history}
    assert actors == {
        model._meta.label: record.actor_field
        for model, record in declared_audit_records().items()
        if record.actor_field
    }
    # What the declarations say today, written out: a declaration lost would drop a log from the export.
    assert actors["supervision.CardTransition"] == "actor_id"
    assert actors["marketplace.SelectionResult"] == "selected_by_id"
    assert actors["benefits.TaskTransition"] == "actor_id"
