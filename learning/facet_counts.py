"""The facet counts of every library, kept in the `FacetCount` table as content changes.

The unfiltered library, its theme pages and its list of themes show how many live, public
reviews each theme, type, year and publisher has. Counting them means grouping every review
and theme link of the library (25 ms of database time at 10,000 reviews), yet they only
change when content does. So `refresh()` counts them for every library and every theme page
at once, whenever something that moves them happens (the receivers of `connect()`), inside
the transaction that made the change, and `stored_counts()` reads a library's or theme
page's counts back in one small query. Any filtered or searched view still counts live
(learning/finder.py).

These counts are a second copy of "what is live and public": they must never disagree with
the reviews listed beside them. How they are kept so, and what it costs: docs/facet-counts.md.
"""

import logging
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connection, transaction

from wagtail.models import Page, PageViewRestriction

from learning.models import PublishingBody, ReviewPage, ReviewType, Theme, ThemeIndexPage
from site_core import signals
from site_core.publishing.visibility import visible_sql

logger = logging.getLogger(__name__)

# The PostgreSQL advisory lock every recount takes first, held to the end of its transaction:
# recounts follow one another, and each one's counting statement, begun after the lock was
# granted, sees every change committed before (READ COMMITTED takes a snapshot per
# statement). An arbitrary constant ("FACETS" in ASCII).
LOCK_KEY = 0x464143455453

FACETS = ("total", "theme", "type", "year", "body")

# Rows match on the library, the scope, the facet and the key; an empty scope or key as 0,
# as in the table's unique constraint, so that PostgreSQL can hash the comparisons.
_SAME_ROW = (
    "stored.library_id = fresh.library_id"
    " AND COALESCE(stored.scope_theme_id, 0) = COALESCE(fresh.scope, 0)"
    " AND stored.facet = fresh.facet AND COALESCE(stored.key, 0) = COALESCE(fresh.key, 0)"
)

# `kept` is the reviews `_facet_counts()` counts for a library with no filter, each with its
# library; `scoped` adds a copy of each under every theme it has (the theme pages). Then,
# per library and scope, the theme counts (through the theme links again) and, in one pass
# of grouping sets as in `_facet_counts()`, the type, year and publisher counts and the
# total. GROUPING() has a bit per key, the first the highest, set when the row is not
# grouped by that key: 0b011 is a row of the type counts, 0b111 the total. Reviews without
# a type, date or publisher count only in the total, as live. A library with no reviews
# still gets its total, 0: it says the library has been counted.
#
# The table is then brought in line with `fresh` in the same statement (one snapshot):
# changed counts updated, new rows inserted, rows no longer counted deleted. Three disjoint
# sets of rows; when nothing has changed, nothing is written.
_REFRESH_SQL = f"""
WITH reviews (pk, path, depth, type_key, year_key, body_key) AS ({{reviews}}),
libraries AS (
    SELECT page.id, page.path, page.depth FROM wagtailcore_page page
    INNER JOIN learning_themeindexpage library ON library.page_ptr_id = page.id
),
kept AS (
    SELECT libraries.id AS library_id, reviews.pk, reviews.type_key, reviews.year_key,
        reviews.body_key
    FROM reviews INNER JOIN libraries
        ON SUBSTRING(reviews.path, 1, LENGTH(libraries.path)) = libraries.path
        AND reviews.depth > libraries.depth
),
scoped AS (
    SELECT library_id, CAST(NULL AS bigint) AS scope, pk, type_key, year_key, body_key
    FROM kept
    UNION ALL
    SELECT kept.library_id, links.theme_id, kept.pk, kept.type_key, kept.year_key,
        kept.body_key
    FROM kept INNER JOIN learning_reviewtheme links ON links.page_id = kept.pk
),
counted (library_id, scope, facet, key, n) AS (
    SELECT scoped.library_id, scoped.scope, 'theme', links.theme_id, COUNT(*)
    FROM scoped INNER JOIN learning_reviewtheme links ON links.page_id = scoped.pk
    GROUP BY scoped.library_id, scoped.scope, links.theme_id
    UNION ALL
    SELECT library_id, scope,
        CASE GROUPING(type_key, year_key, body_key)
            WHEN 7 THEN 'total' WHEN 3 THEN 'type' WHEN 5 THEN 'year' WHEN 6 THEN 'body' END,
        CASE GROUPING(type_key, year_key, body_key)
            WHEN 3 THEN type_key WHEN 5 THEN year_key WHEN 6 THEN body_key END,
        COUNT(*)
    FROM scoped
    GROUP BY library_id, scope, GROUPING SETS ((type_key), (year_key), (body_key), ())
    UNION ALL
    SELECT libraries.id, NULL, 'total', NULL, 0 FROM libraries
    WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.library_id = libraries.id)
),
fresh AS MATERIALIZED (
    SELECT * FROM counted WHERE facet = 'total' OR key IS NOT NULL
),
updated AS (
    UPDATE learning_facetcount stored SET count = fresh.n FROM fresh
    WHERE {_SAME_ROW} AND stored.count <> fresh.n
    RETURNING 1
),
inserted AS (
    INSERT INTO learning_facetcount (library_id, scope_theme_id, facet, key, count)
    SELECT library_id, scope, facet, key, n FROM fresh
    WHERE NOT EXISTS (SELECT 1 FROM learning_facetcount stored WHERE {_SAME_ROW})
    RETURNING 1
),
deleted AS (
    DELETE FROM learning_facetcount stored
    WHERE NOT EXISTS (SELECT 1 FROM fresh WHERE {_SAME_ROW})
    RETURNING 1
)
SELECT
    (SELECT COUNT(*) FROM libraries),
    (SELECT COUNT(*) FROM fresh),
    (SELECT COUNT(*) FROM updated) + (SELECT COUNT(*) FROM inserted)
        + (SELECT COUNT(*) FROM deleted)
"""

# A library's rows of one scope (0: the whole library), and the library's own total, which
# tells a library never counted from a theme with no reviews. Served by the unique index.
_READ_SQL = (
    "SELECT scope_theme_id, facet, key, count FROM learning_facetcount"
    " WHERE library_id = %s AND COALESCE(scope_theme_id, 0) IN (0, %s)"
    " AND (COALESCE(scope_theme_id, 0) = %s OR facet = 'total')"
)


@dataclass(frozen=True)
class Refreshed:
    libraries: int  # the libraries counted
    rows: int  # the rows the table now holds
    changed: int  # the rows inserted, updated or deleted to get there


def _refresh_sql() -> str:
    # The finder's own facet keys and the site's rule of what the public may see, so that
    # a change to either changes what is stored with it.
    from learning.reviews_sql import FACET_KEYS, REVIEWS

    reviews = (
        f"SELECT page.id, page.path, page.depth, {', '.join(FACET_KEYS.values())}"
        f" FROM {REVIEWS} WHERE {visible_sql('page')}"
    )
    return _REFRESH_SQL.format(reviews=reviews)


def refresh() -> Refreshed:
    """Count every library's facets again, for the library and for each theme page.

    Inside the caller's transaction, if there is one: the counts commit with the change
    that moved them, or not at all.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute(_refresh_sql())
        libraries, rows, changed = cursor.fetchone()
    return Refreshed(libraries, rows, changed)


def stored_counts(library_id: int, fixed_theme_id: int | None = None) -> dict | None:
    """The counts `_facet_counts()` would give the library, or its page of one theme, unfiltered.

    One query, in SQL rather than through the ORM, whose compiling would cost as much as
    running it. None when the library has not been counted (or its counts are being redone
    after a deletion): the caller counts live.
    """
    scope = fixed_theme_id or 0
    with connection.cursor() as cursor:
        cursor.execute(_READ_SQL, [library_id, scope, scope])
        rows = cursor.fetchall()
    counts: dict[str, dict] = {facet: {} for facet in FACETS}
    counted = False
    for theme_id, facet, key, n in rows:
        counted = counted or (theme_id is None and facet == "total")
        if (theme_id or 0) == scope:
            counts[facet][0 if key is None else key] = n
    if not counted:
        return None
    counts["total"].setdefault(0, 0)  # a theme none of the library's reviews has
    return counts


# --- Keeping them in step ------------------------------------------------------------------

# The connection's attribute saying a recount is due after its transaction commits: the
# list of its on-commit callbacks at the time, which Django replaces with a new one when
# the transaction commits or rolls back, or a savepoint is rolled back (dropping callbacks
# registered inside it). The callback clears it.
_PENDING = "_learning_facet_counts_pending"


def _recount_pending(conn) -> bool:
    return getattr(conn, _PENDING, None) is conn.run_on_commit


def counts_changed(**kwargs) -> None:
    """Count again now, in the transaction that made the change."""
    if kwargs.get("raw"):
        return  # fixtures being loaded: the scheduler's next tick counts them
    if _recount_pending(transaction.get_connection()):
        return  # the counts are withdrawn until this transaction's recount after commit
    refresh()


# The pages whose publishing can move the counts: the reviews, and a library (its first
# publish counts it).
COUNTED_PAGES = (ReviewPage, ThemeIndexPage)


def _page_unpublished(instance) -> None:
    if not isinstance(instance, COUNTED_PAGES):
        return
    if _recount_pending(transaction.get_connection()):
        return  # as in counts_changed(), and spares a query per page of a deleted library
    if Page.objects.filter(pk=instance.pk, live=True).exists():
        # Unpublished in memory only: Wagtail does that to a live page it is about to delete
        # (its pre_delete receiver), before the rows go. Counted with the deletion.
        withdraw_until_commit()
        return
    counts_changed()


def _page_deleted(instance) -> None:
    # The specific type from the content type cache: no query per page deleted.
    page_type = instance.specific_class
    if page_type is None or issubclass(page_type, COUNTED_PAGES):
        withdraw_until_commit()


def withdraw_until_commit() -> None:
    """Withdraw the counts until this transaction commits, then count again.

    For deletions: deleting a library sends `post_delete` for each of its pages, and
    Wagtail unpublishes each live one first; a recount each time would make deleting 10,000
    reviews count them all 10,000 times. Instead the first one withdraws every library's
    counts (deletes their totals, so they read as not counted and the finder counts live),
    in this transaction, and a single recount follows its commit. Readers never see a
    deleted review counted; between the commit and the recount they get live counts.
    """
    conn = transaction.get_connection()
    if _recount_pending(conn):
        return
    setattr(conn, _PENDING, conn.run_on_commit)
    if conn.in_atomic_block:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(
                "DELETE FROM learning_facetcount WHERE facet = 'total' AND scope_theme_id IS NULL"
            )
    transaction.on_commit(_recount_after_commit, robust=True)


def _recount_after_commit() -> None:
    setattr(transaction.get_connection(), _PENDING, None)
    refresh()


def heal(sender, **kwargs) -> None:
    """Each scheduler tick: count again, so that a change made outside Wagtail (a script,
    SQL) shows within a minute. Writes nothing when the counts are right, which they
    should be; a failure is logged and leaves the tick's other work alone."""
    try:
        refreshed = refresh()
    except (OperationalError, InterfaceError):
        raise  # the database is out of reach: the scheduler retries the whole tick
    except Exception:
        logger.exception("could not count the library's facets; the next tick tries again")
        return
    if refreshed and refreshed.changed:
        logger.info(
            "facet counts were out of step with the reviews: %d rows corrected", refreshed.changed
        )


def _content_changed(sender, event: str, instance=None, **kwargs) -> None:
    """What moves the counts, of every change a reader could see (site_core.signals)."""
    if event == signals.PAGE_UNPUBLISHED:
        _page_unpublished(instance)
    elif event == signals.PAGE_DELETED:
        _page_deleted(instance)
    elif event in (signals.PAGE_PUBLISHED, signals.PAGE_ALIASED):
        if isinstance(instance, COUNTED_PAGES):
            counts_changed()
    elif event == signals.PAGE_MOVED or (
        event == signals.PRIVACY_CHANGED and isinstance(instance, PageViewRestriction)
    ):
        counts_changed()
    elif event == signals.DELETED and isinstance(instance, (Theme, ReviewType, PublishingBody)):
        # Terms in use cannot be deleted today (PROTECT); should that change, a deletion that
        # takes reviews' terms away moves the counts.
        counts_changed()


def connect() -> None:
    uid = "learning_facet_counts"
    signals.content_changed.connect(_content_changed, dispatch_uid=f"{uid}_content_changed")
    signals.scheduler_tick.connect(heal, dispatch_uid=f"{uid}_heal")
