"""A narrow copy of Wagtail's search index for pages: its table (PostgreSQL only).

Why: see `site_core.search.models.PageSearchVector` and docs/search-and-extraction.md. The
table and its GIN index are PostgreSQL's own (tsvector, GIN). The site's search backend
(site_core/search/backend.py) writes its rows whenever Wagtail indexes a page; migration
0007 adds the `text` column and fills the table from the index.

(This migration first created a trigger on Wagtail's index table to keep the copy, and
filled the table; a database that ran that version has both removed by 0007.)
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE TABLE site_core_pagesearchvector (
    page_id integer PRIMARY KEY,
    content_type_id integer NOT NULL,
    match tsvector NOT NULL,
    rank tsvector NOT NULL
);
CREATE INDEX site_core_pagesearchvector_match ON site_core_pagesearchvector USING gin (match);
"""

DROP = "DROP TABLE IF EXISTS site_core_pagesearchvector;"


def create(apps, schema_editor):
    schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("site_core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageSearchVector",
            fields=[
                (
                    "page",
                    models.OneToOneField(
                        db_constraint=False,
                        help_text="The page (its index entry's object id).",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_vector",
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "content_type",
                    models.ForeignKey(
                        db_constraint=False,
                        help_text="The page's specific type, as in its index entry.",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "match",
                    django.contrib.postgres.search.SearchVectorField(
                        help_text="Every indexed word of the page, without positions."
                    ),
                ),
                (
                    "rank",
                    django.contrib.postgres.search.SearchVectorField(
                        help_text="The title, boosted fields and leading text, with "
                        "positions, for ranking."
                    ),
                ),
            ],
            options={"db_table": "site_core_pagesearchvector", "managed": False},
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
