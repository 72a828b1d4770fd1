"""The GIN index behind catalogue search, on PostgreSQL only.

It indexed an expression (replaced by a stored column in 0004) rather than a
model field, so the model and SQLite stay plain; SQLite searches by substring.
"""

from django.db import migrations

INDEX_NAME = "services_item_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON services_serviceitem USING gin "
        "((to_tsvector('simple'::regconfig, search_name) || to_tsvector('simple'::regconfig, search_body)))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
