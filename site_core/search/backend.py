"""The site's search backend: Wagtail's PostgreSQL backend, keeping the page vectors too.

Wagtail indexes every page in its own index (the `IndexEntry` model: title and body as
positioned vectors, and their plain text). The site matches, ranks and quotes pages from a
narrow copy of it, `PageSearchVector` (why: see that model). This is Wagtail's database
backend for PostgreSQL, registered as the default in `WAGTAILSEARCH_BACKENDS`, whose index
writes or deletes a page's row of that copy whenever it writes or deletes the page's
entry, in the same transaction:

- `add_items(model, objects)` (`add_item` calls it): a page is saved, published or
  unpublished, the extractor re-indexes the pages using a document, `update_index` writes
  1,000 entries at a time. Then the entries just written are copied, in one statement
  (`copy_page_vectors`).
- `delete_item(object)`: a page is deleted (each page under a deleted one too). Its row
  goes.
- `delete_stale_entries()`: `update_index`, before it writes every entry again. Each row
  whose entry is gone goes too (`delete_orphan_vectors`).
- `reset()`: `reset_indexes()`. The table is emptied.

Only a page's own entry is copied: its object is a page whose specific type is the entry's
(Wagtail indexes each page under its specific type). Documents, themes and other indexed
objects have entries but no row. Wagtail's table is reached through its model, never by
name. A change to that table made around this backend (raw SQL) does not reach the copy;
`update_index` rebuilds both. docs/search-and-extraction.md has the whole mechanism.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, QuerySet, When
from django.db.models.functions import Cast
from django.utils.encoding import force_str

from wagtail.models import Page
from wagtail.search.backends.database.postgres.postgres import (
    PostgresIndex,
    PostgresSearchBackend,
)
from wagtail.search.models import IndexEntry

from site_core.search.models import PageSearchVector

# `match`: every word, without positions. `rank`: the title, the boosted fields (weights A
# and B: a review's subject) and the first 2,000 characters of the rest, with positions: a
# page's own words, not its reports'. The leading text is parsed with the index's
# configuration (SEARCH_CONFIG), as the searches are, so both stem words alike.
_COPY = """
INSERT INTO site_core_pagesearchvector (page_id, content_type_id, match, rank, text)
SELECT entry.page_id, entry.content_type_id, strip(entry.title || entry.body),
    entry.title || ts_filter(entry.body, '{{a,b}}')
        || setweight(to_tsvector(COALESCE(%s::regconfig, get_current_ts_config()),
                                 left(entry.body_text, 2000)), 'D'),
    entry.body_text
FROM ({entries}) entry
ON CONFLICT (page_id) DO UPDATE SET content_type_id = EXCLUDED.content_type_id,
    match = EXCLUDED.match, rank = EXCLUDED.rank, text = EXCLUDED.text
"""


def copy_page_vectors(entries: QuerySet, *, config: str | None) -> int:
    """Write the row of every page among the index entries `entries`, from its entry.

    `entries`: a queryset of Wagtail's `IndexEntry` (in a migration, its historical model).
    An entry is a page's when its object id is the id of a page whose specific content type
    is the entry's. One statement, whatever the number of entries. Returns the rows written.
    """
    # Object ids are text (any model's key); only one that is a number can be a page's.
    page_id = Case(When(object_id__regex=r"^[0-9]{1,9}$", then=Cast("object_id", IntegerField())))
    its_page = Page.objects.filter(
        pk=OuterRef("page_id"), content_type_id=OuterRef("content_type_id")
    )
    pages = (
        entries.annotate(page_id=page_id)
        .filter(Exists(its_page))
        .values("page_id", "content_type_id", "title", "body", "body_text")
    )
    entries_sql, entries_params = pages.query.get_compiler(using=pages.db).as_sql()
    with connections[pages.db].cursor() as cursor:
        cursor.execute(_COPY.format(entries=entries_sql), [config, *entries_params])
        return cursor.rowcount


def delete_orphan_vectors(using: str) -> int:
    """Delete each row whose page has no index entry under the row's type; how many."""
    entry = IndexEntry.objects.using(using).filter(
        content_type_id=OuterRef("content_type_id"),
        object_id=Cast(OuterRef("page_id"), CharField()),
    )
    deleted, _ = PageSearchVector.objects.using(using).filter(~Exists(entry)).delete()
    return deleted


class PageVectorIndex(PostgresIndex):
    """Wagtail's PostgreSQL index, writing each page's `PageSearchVector` with its entry."""

    def add_items(self, model, objs):
        objs = list(objs)
        with transaction.atomic(using=self.write_connection.alias):
            super().add_items(model, objs)
            if objs and issubclass(model, Page):
                entries = IndexEntry.objects.using(self.write_connection.alias).filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=[force_str(obj.pk) for obj in objs],
                )
                copy_page_vectors(entries, config=self.backend.config)

    def delete_item(self, item):
        with transaction.atomic(using=self.write_connection.alias):
            super().delete_item(item)
            if isinstance(item, Page):
                vectors = PageSearchVector.objects.using(self.write_connection.alias)
                vectors.filter(page_id=item.pk).delete()

    def delete_stale_entries(self):
        with transaction.atomic(using=self.write_connection.alias):
            super().delete_stale_entries()
            delete_orphan_vectors(self.write_connection.alias)

    def reset(self):
        super().reset()  # empties the index on every connection: so here too
        for connection in connections.all():
            PageSearchVector.objects.using(connection.alias).all().delete()


class SiteSearchBackend(PostgresSearchBackend):
    """Wagtail's PostgreSQL search backend with the page vectors' index (`PageVectorIndex`)."""

    index_class = PageVectorIndex


# The name Wagtail looks for in the module `WAGTAILSEARCH_BACKENDS` names.
SearchBackend = SiteSearchBackend
