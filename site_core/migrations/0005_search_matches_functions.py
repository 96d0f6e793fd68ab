"""Match through the GIN index only; rank from vectors kept in their rows (PostgreSQL only).

A word most pages contain ("neglect": 97 % of the benchmark's 10,000 reviews) made the
planner read every row and test its `match` vector (a sequential scan is cheaper than the
index, by its estimate), then fetch each match's `rank` vector from the TOAST table to rank
it: 35 ms of the site search's query. The GIN index answers the same question exactly, with
no vector read (a plain query needs no recheck), so:

- `site_core_search_matches(query)` and `site_core_ranked_search_matches(query)` find the
  matches with sequential scans disabled for their one statement (a function's own
  setting: nothing else in the caller's query or session is affected). The second also
  ranks each match, `ts_rank(rank, query)` as before, and returns only the page's id and its
  score, so no query that joins it carries vectors.
- `match` is stored `EXTERNAL` (out of its row, uncompressed: it is no longer read when
  searching) and `rank` `MAIN` (in its row, read where the row is), undoing 0004.

Together, the site search for "neglect" at 10,000 reviews: 35 ms of database time to 14.
The table is rewritten once (VACUUM FULL, a few seconds' lock) so existing rows follow the
new storage. docs/search-and-extraction.md, "Search speed", has the figures.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION site_core_search_matches(query tsquery) RETURNS SETOF integer
LANGUAGE sql STABLE PARALLEL SAFE ROWS 10000 SET enable_seqscan = off AS $$
    SELECT page_id FROM site_core_pagesearchvector WHERE match @@ query
$$;

CREATE FUNCTION site_core_ranked_search_matches(query tsquery)
RETURNS TABLE (page_id integer, score real)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 10000 SET enable_seqscan = off AS $$
    SELECT page_id, ts_rank(rank, query) FROM site_core_pagesearchvector WHERE match @@ query
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS site_core_search_matches(tsquery);
DROP FUNCTION IF EXISTS site_core_ranked_search_matches(tsquery);
"""


def _storage(schema_editor, match: str, rank: str) -> None:
    schema_editor.execute(
        f"ALTER TABLE site_core_pagesearchvector ALTER COLUMN match SET STORAGE {match},"
        f" ALTER COLUMN rank SET STORAGE {rank}"
    )
    # Rewrites every row as the storage now says. Not in a transaction (VACUUM refuses).
    schema_editor.execute("VACUUM FULL ANALYZE site_core_pagesearchvector")


def forwards(apps, schema_editor):
    schema_editor.execute(FUNCTIONS)
    _storage(schema_editor, "EXTERNAL", "MAIN")


def backwards(apps, schema_editor):
    schema_editor.execute(DROP_FUNCTIONS)
    _storage(schema_editor, "MAIN", "EXTENDED")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [
        ("site_core", "0004_page_search_vector_match_inline"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
