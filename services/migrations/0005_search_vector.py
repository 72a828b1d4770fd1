"""A stored, generated ``search_vector`` column with its GIN index, on PostgreSQL only.

0002 indexed the expression ``to_tsvector(search_name) || to_tsvector(search_body)``.
A query against it still computed ``to_tsvector`` of every row whenever the
planner chose a sequential scan, as it does on small tables (PITFALLS,
"Full-text search on a few rows"). The generated column is computed once per
write, from the segmented text our own code stores (see services.search),
with the name's words weighted A so that a name match is a cheap ``@@``.

The column is not a model field: nothing but search reads it, so no ORM query
selects it, and SQLite (``make demo``) keeps its substring fallback. Because a
generated column depends on them, ``search_name`` and ``search_body`` cannot
change type without dropping it first.
"""

from django.db import migrations

INDEX_NAME = "services_item_search_gin"
VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, search_name), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B')"
)


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute(
        f"ALTER TABLE services_serviceitem ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX_NAME} ON services_serviceitem USING gin (search_vector)")


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE services_serviceitem DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON services_serviceitem USING gin "
        "((to_tsvector('simple'::regconfig, search_name) || to_tsvector('simple'::regconfig, search_body)))"
    )


class Migration(migrations.Migration):
    dependencies = [("services", "0004_fee_exemptions_and_order_point")]

    operations = [migrations.RunPython(add_column, drop_column, elidable=False)]
