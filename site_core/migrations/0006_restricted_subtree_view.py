"""The subtrees a view restriction covers, as Wagtail decides it: a database view.

`Page.get_view_restrictions()` looks for restrictions on the page and each of its
ancestors, each alias among them replaced by its source page (an alias takes its source's
restrictions and cannot have its own). So a restriction on a page covers the subtree of
that page and the subtree of every alias of it (and of aliases of those). This view lists
the tree path of each such covering page; a page is covered when one of them is a prefix of
its own path. `site_core.publishing.visibility` is the only reader: every public surface
asks it. tests/test_visibility.py compares it with Wagtail's own answer on random trees.

Recursive over aliases only, starting from the (usually few, often no) restrictions: its
cost does not grow with the number of pages.
"""

from django.db import migrations, models

CREATE = """
CREATE VIEW site_core_restrictedsubtree AS
WITH RECURSIVE covering (page_id, path) AS (
    SELECT page.id, page.path
    FROM wagtailcore_pageviewrestriction restriction
    INNER JOIN wagtailcore_page page ON page.id = restriction.page_id
    -- Wagtail never reads a restriction left on an alias: it reads its source's.
    WHERE page.alias_of_id IS NULL
    UNION
    SELECT alias.id, alias.path
    FROM wagtailcore_page alias INNER JOIN covering ON alias.alias_of_id = covering.page_id
)
SELECT DISTINCT path FROM covering;
"""

DROP = "DROP VIEW IF EXISTS site_core_restrictedsubtree;"


class Migration(migrations.Migration):
    dependencies = [
        ("site_core", "0005_search_matches_functions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP, elidable=False),
        migrations.CreateModel(
            name="RestrictedSubtree",
            fields=[
                (
                    "path",
                    models.CharField(
                        help_text="The tree path of a page whose subtree a view "
                        "restriction covers.",
                        max_length=255,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            options={"db_table": "site_core_restrictedsubtree", "managed": False},
        ),
    ]
