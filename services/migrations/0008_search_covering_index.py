"""A covering index for the search page's name band read in popularity order, on PostgreSQL only.

For a common word PostgreSQL reads the name band (``services.selectors._search_page_read``) in
popularity order until the page is full. Through ``services_item_popular_idx`` every item read
was a visit to the table for its name vector: 0.9 ms for the 551 items read to find 21 names
holding 营业 at 10,000 items. This index holds every column the name band reads, so that read
is an index-only scan: 0.4 ms. Over the benchmark's 81 search terms at 10,000 items, PostgreSQL's
time per search went from 1.70-1.96 ms to 1.42-1.51 ms (execution 1.06-1.20 to 0.78-0.85 ms).

``name_vector`` is not a model field (0007); SQLite (``make demo``) keeps its fallback.
"""

from django.db import migrations

INDEX = "services_item_popular_cover_idx"
CREATE = (
    f"CREATE INDEX {INDEX} ON services_serviceitem (popularity DESC, code) "
    "INCLUDE (id, published_version_id, name, name_en, aliases, item_type, audience, department_id, name_vector)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        # An index-only scan skips the table only for pages the visibility map marks all-visible;
        # autovacuum keeps it so for a catalogue that changes a few times a day.
        schema_editor.execute("ANALYZE services_serviceitem")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("services", "0007_search_page_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
