"""What a search page needs to read only the rows it shows, on PostgreSQL only.

A search ranked every matching item (exact name or alias, then name matches, then guide-text
matches, each by popularity) and sorted them all for one page: at 10,000 items a common word
matched 1,500-5,000 of them, 13-30 ms a search. ``services.selectors.service_item_search_page``
instead reads each band in the order it is shown and stops at the page's end:

- ``name_vector``, the name document's own vector (generated, GIN-indexed): the name band is a
  match on a small column, not a weighted recheck of ``search_vector``;
- ``name`` and ``UPPER(name_en)`` b-trees and a GIN index on the aliases as an array: the
  exact band is found through indexes;
- the other bands are read through ``services_item_popular_idx`` (popularity, code) in order.

Not model fields, like ``search_vector`` (0005); SQLite (``make demo``) keeps its fallback.
"""

from django.db import migrations

NAME_VECTOR = "to_tsvector('simple'::regconfig, search_name)"
STATEMENTS = (
    f"ALTER TABLE services_serviceitem ADD COLUMN name_vector tsvector GENERATED ALWAYS AS ({NAME_VECTOR}) STORED",
    "CREATE INDEX services_item_name_gin ON services_serviceitem USING gin (name_vector)",
    "CREATE INDEX services_item_name_idx ON services_serviceitem (name)",
    "CREATE INDEX services_item_name_en_upper_idx ON services_serviceitem (UPPER(name_en::text))",
    "CREATE INDEX services_item_aliases_gin ON services_serviceitem USING gin (string_to_array(aliases, ','))",
    # Statistics for the new column and expressions at once: without them the planner guessed
    # the name band's size and read it the slow way until autovacuum's next analyze.
    "ANALYZE services_serviceitem",
)
REVERSE = (
    "DROP INDEX IF EXISTS services_item_aliases_gin",
    "DROP INDEX IF EXISTS services_item_name_en_upper_idx",
    "DROP INDEX IF EXISTS services_item_name_idx",
    "ALTER TABLE services_serviceitem DROP COLUMN IF EXISTS name_vector",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in STATEMENTS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("services", "0006_audit_history")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
