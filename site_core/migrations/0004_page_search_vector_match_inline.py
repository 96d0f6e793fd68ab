"""Keep each page's `match` vector in its table row where it fits (PostgreSQL only).

Searching tests `match` on every page when a word is common ("neglect" is in 97% of the
benchmark's 10,000 reviews). PostgreSQL had moved most `match` values, like the longer
`rank` ones, out of their rows into its TOAST table (a row over 2 kB is shortened that way),
so each test first fetched the value from there: 11 ms for "neglect" at 10,000 reviews. With
`STORAGE MAIN` a value leaves its row only when nothing else makes the row fit, so `rank` goes
first and `match` stays in the row: 6 ms, and the library's and the site search's queries
each a fifth faster. A page whose reports make `match` too large for a row (long extracted
texts) is stored as before. The table is rewritten once, here (VACUUM FULL: it is locked
for the few seconds that takes), which moves the existing rows' `match` back into them.

docs/search-and-extraction.md, "Search speed", has the figures.
"""

from django.db import migrations


def _storage(schema_editor, storage: str) -> None:
    schema_editor.execute(
        f"ALTER TABLE site_core_pagesearchvector ALTER COLUMN match SET STORAGE {storage}"
    )
    # Rewrites every row as the storage now says. Not in a transaction (VACUUM refuses).
    schema_editor.execute("VACUUM FULL ANALYZE site_core_pagesearchvector")


def inline(apps, schema_editor):
    _storage(schema_editor, "MAIN")


def default(apps, schema_editor):
    _storage(schema_editor, "EXTENDED")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [
        ("site_core", "0003_partnership_branding"),
    ]

    operations = [migrations.RunPython(inline, default, elidable=False)]
