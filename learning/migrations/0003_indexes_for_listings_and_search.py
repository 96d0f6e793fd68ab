"""Indexes the library, the review pages and the site search need at 10,000 reviews.

Found with bench/ (see bench/README.md) and EXPLAIN ANALYZE on PostgreSQL:

- Reviews newest first (the library, theme pages, feed, home page): without an index on
  the publication date every listing sorted all live reviews, spilling to disk at 10,000
  (19 ms for the page of 20); with it PostgreSQL reads them in order and stops at 20 (1.5 ms).
- Routing (site_core/routing.py) finds the pages on a path by `url_path`, which Wagtail does
  not index: a scan of every page on every request (2 ms at 10,000; now 0.1 ms).
- Searches filter on the index entry's title and body vectors together, `title || body`,
  which Wagtail's own migrations leave unindexed, so every search read and combined the
  vectors of every entry (135 ms at 10,000 reviews; with this GIN index, 10 ms).

The indexes are plain SQL, not model Meta indexes: two are on Wagtail's tables, and none
changes a model, so they are not part of the migration state. The GIN index is PostgreSQL's
own; on SQLite (development) the other two are created and it is skipped.
"""

from django.db import migrations

# (name, {database vendor: CREATE INDEX statement}); a vendor not named gets no index.
INDEXES = [
    (
        "learning_reviewpage_pubdate_desc",
        {
            "postgresql": "CREATE INDEX IF NOT EXISTS learning_reviewpage_pubdate_desc "
            "ON learning_reviewpage (publication_date DESC NULLS LAST)",
            # SQLite puts NULLs first in ascending order, so last in descending order, and
            # does not accept NULLS LAST in an index.
            "sqlite": "CREATE INDEX IF NOT EXISTS learning_reviewpage_pubdate_desc "
            "ON learning_reviewpage (publication_date DESC)",
        },
    ),
    (
        "learning_page_url_path",
        dict.fromkeys(
            ["postgresql", "sqlite"],
            "CREATE INDEX IF NOT EXISTS learning_page_url_path ON wagtailcore_page (url_path)",
        ),
    ),
    (
        "learning_indexentry_title_body_gin",
        {
            "postgresql": "CREATE INDEX IF NOT EXISTS learning_indexentry_title_body_gin "
            "ON {index_entries} USING gin ((title || body))",
        },
    ),
]


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # Wagtail's index table, named as its model names it.
    index_entries = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    for _name, statements in INDEXES:
        if vendor in statements:
            schema_editor.execute(
                statements[vendor].format(index_entries=schema_editor.quote_name(index_entries))
            )


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, statements in INDEXES:
        if vendor in statements:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0002_review_types"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
