import pghistory
import pgtrigger

from .constants import MIN_RETENTION_DAYS


def append_only(*, created_at: str = "created_at") -> list[pgtrigger.Trigger]:
    """Triggers that keep a table append-only: no row is ever updated, and none younger than
    ``MIN_RETENTION_DAYS`` deleted, whoever asks (a superuser too). The retention job may
    delete older rows; nothing else may delete any.

    They refuse by raising, so the statement and its transaction fail. They are a guard
    against mistakes and code paths, not against a role that may change triggers: the
    application's role is also denied the privileges (audit/grants.py).
    """
    return [
        pgtrigger.Protect(name="audit_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(
            name="audit_keep_minimum",
            operation=pgtrigger.Delete,
            condition=pgtrigger.Condition(f"OLD.\"{created_at}\" > NOW() - INTERVAL '{MIN_RETENTION_DAYS} days'"),
        ),
    ]


def track(*, verbose_name, exclude: tuple[str, ...] = ()):
    """Keep every insert, update and delete of the decorated model as an append-only history
    row (``<Model>Event``), written by a database trigger with the request's context.

    ``exclude`` names columns kept out of the snapshot: secrets, and values that change on
    their own (a change only to them records nothing).
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude),
        meta={
            "verbose_name": verbose_name,
            "verbose_name_plural": verbose_name,
            "triggers": append_only(created_at="pgh_created_at"),
        },
    )
