"""A narrow copy of Wagtail's search index for pages, kept by a trigger (PostgreSQL only).

Why: see `site_core.models.PageSearchVector` and docs/search-and-extraction.md. The table
and its trigger are PostgreSQL's own (tsvector, GIN, plpgsql); on SQLite the model's table
is not created and the site searches through Wagtail's backend instead.

The trigger copies an index entry only when it belongs to a page: the entry's object id is
a page id whose specific content type is the entry's. It fires only when the vectors or the
text change (`UPDATE OF`), not when Wagtail refreshes every entry's title norm.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Wagtail's SEARCH_CONFIG (site_core/settings/base.py); the rank vector's text is parsed
# with the same configuration as the index, so both stem words alike.
CREATE = """
CREATE TABLE site_core_pagesearchvector (
    page_id integer PRIMARY KEY,
    content_type_id integer NOT NULL,
    match tsvector NOT NULL,
    rank tsvector NOT NULL
);
CREATE INDEX site_core_pagesearchvector_match ON site_core_pagesearchvector USING gin (match);

CREATE FUNCTION site_core_copy_page_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM site_core_pagesearchvector
        WHERE content_type_id = OLD.content_type_id
          AND OLD.object_id ~ '^[0-9]{1,9}$' AND page_id = OLD.object_id::integer;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.object_id ~ '^[0-9]{1,9}$' AND EXISTS (
        SELECT 1 FROM wagtailcore_page
        WHERE id = NEW.object_id::integer AND content_type_id = NEW.content_type_id
    ) THEN
        INSERT INTO site_core_pagesearchvector (page_id, content_type_id, match, rank)
        VALUES (
            NEW.object_id::integer,
            NEW.content_type_id,
            strip(NEW.title || NEW.body),
            -- The title, the boosted fields (weights A and B: a review's subject) and the
            -- first 2,000 characters of the rest: a page's own words, not its reports'.
            NEW.title || ts_filter(NEW.body, '{a,b}')
                || setweight(to_tsvector('english', left(NEW.body_text, 2000)), 'D')
        );
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER site_core_copy_page_search_vector
AFTER INSERT OR DELETE OR UPDATE OF title, body, body_text ON wagtailsearch_indexentry
FOR EACH ROW EXECUTE FUNCTION site_core_copy_page_search_vector();

-- What the index already holds.
INSERT INTO site_core_pagesearchvector (page_id, content_type_id, match, rank)
SELECT e.object_id::integer, e.content_type_id, strip(e.title || e.body),
       e.title || ts_filter(e.body, '{a,b}')
           || setweight(to_tsvector('english', left(e.body_text, 2000)), 'D')
FROM wagtailsearch_indexentry e
JOIN wagtailcore_page p ON e.object_id ~ '^[0-9]{1,9}$'
    AND p.id = e.object_id::integer AND p.content_type_id = e.content_type_id;
"""

DROP = """
DROP TRIGGER IF EXISTS site_core_copy_page_search_vector ON wagtailsearch_indexentry;
DROP FUNCTION IF EXISTS site_core_copy_page_search_vector();
DROP TABLE IF EXISTS site_core_pagesearchvector;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
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
