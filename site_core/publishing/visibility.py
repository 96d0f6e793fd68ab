"""What an anonymous reader may see: the site's one definition.

Every surface that shows anything to the public asks this module (listings and counts,
site and library search and their snippets, related reviews, the home page, feeds, the
sitemap, the menu, the document view, redirects), so that they cannot disagree.

**A page is visible** when it is live and no view restriction applies to it as
`Page.get_view_restrictions()` decides it: a restriction on the page or on any ancestor,
each alias among them taking its source's restrictions. (Wagtail's own
`PageQuerySet.public()` misses that last part: it filters by tree path only, so an alias of
a private page would pass it. Nothing here uses it.) The restrictions are read from the
database view `site_core_restrictedsubtree` (migration site_core/0006), which lists the
subtrees they cover; this module states the rest once, for querysets (`visible_q`) and for
SQL written by hand (`visible_sql`), the same condition in both forms.

**A document is public** when a visible page uses it (through a model registered with
`register_document_use()`: a review's report whose "available until" date has not passed,
a policy page's document; or a link from a page's own fields as Wagtail's reference index
records it) and its collection carries no view restriction (`document_status()`). Only
then is it served to anyone with its address, and its text searchable and quoted
(`in_open_collections()`).

tests/test_visibility.py builds random page trees and compares both rules with Wagtail's
own per-page and per-collection answers.
"""

import functools
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Length, Substr
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.models import (
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
    ReferenceIndex,
    get_page_models,
)

from modelcluster.models import get_all_child_relations

from site_core.caching.memo import remembered
from site_core.publishing.models import RestrictedSubtree


def visible_q(prefix: str = "") -> Q:
    """The rule for a queryset of pages, or of rows that reach a page through `prefix`.

    `prefix` is the lookup path to the page, ending in "__" (a review document's: "page__").
    """
    covering = RestrictedSubtree.objects.filter(
        path=Substr(OuterRef(f"{prefix}path"), 1, Length("path"))
    )
    return Q(**{f"{prefix}live": True}) & ~Exists(covering)


def visible_sql(alias: str = "page") -> str:
    """The rule as SQL, for the page row aliased `alias` in a statement written by hand."""
    return (
        f"({alias}.live AND NOT EXISTS (SELECT 1 FROM site_core_restrictedsubtree restricted"
        f" WHERE restricted.path = SUBSTRING({alias}.path, 1, LENGTH(restricted.path))))"
    )


def visible_pages(queryset: QuerySet | None = None) -> QuerySet:
    """`queryset` (every page if None) narrowed to the pages the public may see."""
    if queryset is None:
        queryset = Page.objects.all()
    return queryset.filter(visible_q())


def is_visible(page_id: int) -> bool:
    """Whether the public may see the page with this id (one query)."""
    return visible_pages(Page.objects.filter(pk=page_id)).exists()


# --- Documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentUse:
    """A model whose rows link a page (`page`) to a document (`document`).

    `open_on(day)`: the rows whose document the public may still have on `day` (Europe/
    London), for a use with an availability window (a review's report); None: always.
    `withdrawn(request, row_id)`: the response for a document whose only public links have
    closed (410 Gone, saying how to ask for a copy); None for the ordinary 404.
    """

    model: type[Model]
    open_on: Callable[[date], Q] | None = None
    withdrawn: Callable | None = None


_DOCUMENT_USES: list[DocumentUse] = []


def register_document_use(model, *, open_on=None, withdrawn=None) -> None:
    """Declare `model` a use of documents (called by the apps that own such models)."""
    if all(use.model is not model for use in _DOCUMENT_USES):
        _DOCUMENT_USES.append(DocumentUse(model, open_on, withdrawn))


@dataclass(frozen=True)
class DocumentStatus:
    """What the public may have of one document today."""

    file_name: str
    # A visible page uses it (an open link, a policy page, a page's own field).
    used: bool
    # Its collection has a view restriction: Wagtail's own check then decides (the password
    # form), and no response about it may be kept by others.
    restricted: bool
    # A closed link of a visible page, when no open use remains: (its use, its row's id).
    withdrawn: tuple[DocumentUse, int] | None

    @property
    def public(self) -> bool:
        """Served to anyone with its address, its text searchable and quoted."""
        return self.used and not self.restricted

    @property
    def filename(self) -> str:
        return os.path.basename(self.file_name)


@functools.cache
def _child_relation_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                relation.get_accessor_name()
                for model in get_page_models()
                for relation in get_all_child_relations(model)
            }
        )
    )


def page_field_references(document_id: int) -> QuerySet[ReferenceIndex]:
    """The reference index's links to the document from a visible page's own fields.

    The index is rebuilt from the page's row whenever that row is saved, so for a live page
    it matches the published version (drafts live in revisions, which it ignores).
    References from child rows (a review's reports, a policy page's documents) are left
    out: deleting a child row does not refresh its page's entry, so a document removed
    from a page would stay listed. Those relations are the registered document uses, read
    from their own tables.
    """
    document_type = ContentType.objects.get_for_model(get_document_model())
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = visible_pages().annotate(pk_text=Cast("pk", CharField())).values("pk_text")
    from_child_rows = functools.reduce(
        operator.or_,
        (Q(model_path__startswith=f"{name}.") for name in _child_relation_names()),
        Q(pk__in=[]),
    )
    return ReferenceIndex.objects.filter(
        to_content_type=document_type,
        to_object_id=str(document_id),
        base_content_type=page_type,
        object_id__in=page_ids,
    ).exclude(from_child_rows)


def document_status(document_id: int, today: date | None = None) -> DocumentStatus | None:
    """What the public may have of the document, in one query; None if there is none."""
    today = today or timezone.localdate()
    page_ids = visible_pages().values("pk")
    uses = {}
    for n, use in enumerate(_DOCUMENT_USES):
        links = use.model.objects.filter(document_id=document_id, page_id__in=page_ids)
        open_links = links.filter(use.open_on(today)) if use.open_on else links
        uses[f"use_{n}"] = Exists(open_links)
        if use.open_on:
            closed = links.exclude(use.open_on(today)).order_by("pk").values("pk")[:1]
            uses[f"closed_{n}"] = Subquery(closed)
    row = (
        get_document_model()
        .objects.filter(pk=document_id)
        .annotate(**uses, page_field=Exists(page_field_references(document_id)))
        .annotate(restricted=~open_collection_q())
        .values("file", "restricted", "page_field", *uses)
        .first()
    )
    if row is None:
        return None
    used = row["page_field"] or any(row[f"use_{n}"] for n in range(len(_DOCUMENT_USES)))
    withdrawn = next(
        (
            (use, row[f"closed_{n}"])
            for n, use in enumerate(_DOCUMENT_USES)
            if row.get(f"closed_{n}") is not None
        ),
        None,
    )
    return DocumentStatus(
        file_name=row["file"],
        used=used,
        restricted=row["restricted"],
        withdrawn=None if used else withdrawn,
    )


def open_collection_q(prefix: str = "") -> Q:
    """Documents (or rows reaching one through `prefix`) whose collection is not restricted.

    A collection's restriction covers the collections below it, as Wagtail's
    `Collection.get_view_restrictions()` decides (tree paths: a prefix).
    """
    covering = CollectionViewRestriction.objects.filter(
        collection__path=Substr(
            OuterRef(f"{prefix}collection__path"), 1, Length("collection__path")
        )
    )
    return ~Exists(covering)


def in_open_collections(document_ids) -> set[int]:
    """Of `document_ids`, those whose collection carries no view restriction (one query).

    For a page's own search text, built from the documents it uses: only these may be
    indexed and quoted (the page itself is filtered by `visible_q` wherever it is found).
    """
    ids = set(document_ids)
    if not ids:
        return set()
    documents = get_document_model().objects.filter(pk__in=ids).filter(open_collection_q())
    return set(documents.values_list("pk", flat=True))


# --- Pages ----------------------------------------------------------------------------------


def restricted_subtree_paths() -> tuple[str, ...]:
    """The tree paths of the subtrees a view restriction covers (usually none)."""
    return tuple(RestrictedSubtree.objects.values_list("path", flat=True))


class VisibilityMixin:
    """For the site's page types: `get_view_restrictions()` in one small query (none for
    an anonymous reader once the process knows the current version), not two.

    Wagtail's own reads the page's ancestors (their aliases), then the restrictions on
    them, for every page it serves. The view behind this rule already knows every subtree
    a restriction covers (usually none): when none covers this page, Wagtail's answer is
    empty, and that is given without asking it; otherwise Wagtail's own method answers.
    tests/test_visibility.py checks the two agree on random trees
    (docs/architecture.md, register of shortcuts).
    """

    def get_view_restrictions(self):
        # Kept per content version for anonymous readers (caching.memo): every change that
        # can alter the view (a restriction saved or deleted, a page moved or aliased)
        # replaces the version (site_core/publishing/changes.py).
        covering = remembered("restricted subtrees", restricted_subtree_paths)
        if not any(self.path.startswith(path) for path in covering):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
