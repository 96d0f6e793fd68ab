"""Indexes the library, the review pages and the site search need at 10,000 reviews.

Found with bench/ (see bench/README.md) and EXPLAIN ANALYZE on PostgreSQL:

- Reviews newest first (the library, theme pages, feed, home page): without an index on
  the publication date every listing sorted all live reviews, spilling to disk at 10,000
  (19 ms for the page of 20); with it PostgreSQL reads them in order and stops at 20 (1.5 ms).
- The site's former router found the pages on a path by `url_path`, which Wagtail does not
  index: a scan of every page on every request (2 ms at 10,000; now 0.1 ms).
- Searches filter on the index entry's title and body vectors together, `title || body`,
  which Wagtail's own migrations leave unindexed, so every search read and combined the
  vectors of every entry (135 ms at 10,000 reviews; with this GIN index, 10 ms).

The indexes are plain SQL, not model Meta indexes: two are on Wagtail's tables, and none
changes a model, so they are not part of the migration state.
"""

from django.db import migrations

# (name, CREATE INDEX statement).
INDEXES = [
    (
        "learning_reviewpage_pubdate_desc",
        "CREATE INDEX IF NOT EXISTS learning_reviewpage_pubdate_desc ON "
        "learning_reviewpage (publication_date DESC NULLS LAST)",
    ),
    (
        "learning_page_url_path",
        "CREATE INDEX IF NOT EXISTS learning_page_url_path ON wagtailcore_page (url_path)",
    ),
    (
        "learning_indexentry_title_body_gin",
        "CREATE INDEX IF NOT EXISTS learning_indexentry_title_body_gin ON {index_entries} "
        "USING gin ((title || body))",
    ),
]


def create_indexes(apps, schema_editor):
    # Wagtail's index table, named as its model names it.
    index_entries = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    for _name, statement in INDEXES:
        schema_editor.execute(
            statement.format(index_entries=schema_editor.quote_name(index_entries))
        )


def drop_indexes(apps, schema_editor):
    for name, _statement in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0002_review_types"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
