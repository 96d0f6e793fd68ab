"""The page vectors kept by the site's search backend, with the text for snippets.

Until now a trigger on Wagtail's index table (created by the first version of 0002) copied
each page's entry into `site_core_pagesearchvector`, and result snippets read the entry's
text from Wagtail's table. Now the site's search backend (site_core/search/backend.py)
writes the row, text included, whenever Wagtail indexes a page. This migration:

- drops the trigger and its function, where a database still has them;
- adds `text`, the plain text the index holds for the page, stored as PostgreSQL stores
  text unless told otherwise: compressed, and moved out of its row whenever the row would
  be over 2 kB (a review's text, its reports' included, nearly always is), so the rows the
  searches read stay narrow; only the snippets of a page of results read it;
- fills the table again from the current index, with the backend's own copying function,
  then rewrites it once (VACUUM FULL, a few seconds' lock at 10,000 pages).

`manage.py update_index` does the same filling (and rebuilds Wagtail's index first).
Reversed, only the column goes: the trigger is not made again.
"""

from django.conf import settings
from django.db import migrations, models, transaction

from site_core.search.backend import copy_page_vectors

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS site_core_copy_page_search_vector ON {entries};
DROP FUNCTION IF EXISTS site_core_copy_page_search_vector();
"""

ADD_TEXT = """
ALTER TABLE site_core_pagesearchvector ADD COLUMN text text NOT NULL DEFAULT '';
"""


def forwards(apps, schema_editor):
    entries = apps.get_model("wagtailsearch", "IndexEntry")
    alias = schema_editor.connection.alias
    with transaction.atomic(using=alias):
        schema_editor.execute(
            DROP_TRIGGER.format(entries=schema_editor.quote_name(entries._meta.db_table))
        )
        schema_editor.execute(ADD_TEXT)
        schema_editor.execute("DELETE FROM site_core_pagesearchvector")
        copy_page_vectors(
            entries.objects.using(alias).all(),
            config=settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG"),
        )
    # Rewrites every row once, compacted. Not in a transaction (VACUUM refuses).
    schema_editor.execute("VACUUM FULL ANALYZE site_core_pagesearchvector")


def backwards(apps, schema_editor):
    schema_editor.execute("ALTER TABLE site_core_pagesearchvector DROP COLUMN IF EXISTS text")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [
        ("site_core", "0006_restricted_subtree_view"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [
        # The model is not managed: this records the column; `forwards` adds it.
        migrations.AddField(
            model_name="pagesearchvector",
            name="text",
            field=models.TextField(
                help_text="The plain text the index holds for the page, to cut result "
                "snippets from.",
                default="",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
