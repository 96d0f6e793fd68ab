"""The controlled vocabularies, loaded once and kept in the cache.

Every finder view needs all themes, review types and publishing bodies (to read slugs
in the address and to label facets). They are small and change rarely, so they are
read in one query and cached; saving or deleting any term clears the cache, and renaming
one re-indexes the reviews that show it (receivers connected by `connect()`).

The cache must be shared by every web process (Redis in production) for a change to
reach them all; the timeout bounds staleness should an invalidation ever be missed.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.signals import post_save

from learning.models import PublishingBody, ReviewPage, ReviewType, Theme
from site_core.caching.memo import cached_value
from site_core.publishing import changes
from site_core.signals import content_changed

CACHE_KEY = "learning:terms:v1"
CACHE_TIMEOUT = 300


@dataclass(frozen=True)
class Term:
    id: int
    slug: str
    name: str
    group: str = ""
    description: str = ""


@dataclass(frozen=True)
class Vocabulary:
    terms: dict[str, dict[str, Term]] = field(default_factory=dict)

    def by_slug(self, kind: str) -> dict[str, Term]:
        return self.terms[kind]

    def by_id(self, kind: str) -> dict[int, Term]:
        return {term.id: term for term in self.terms[kind].values()}

    # Worked out once per copy read from the cache (a listing asks for each card).
    @cached_property
    def theme_by_id(self) -> dict[int, Term]:
        return self.by_id("theme")

    @cached_property
    def type_by_id(self) -> dict[int, Term]:
        return self.by_id("type")

    @property
    def themes(self) -> list[Term]:
        return sorted(self.terms["theme"].values(), key=lambda t: t.name.lower())

    @property
    def types(self) -> list[Term]:
        return list(self.terms["type"].values())  # already in the admins' sort order

    @property
    def bodies(self) -> list[Term]:
        return sorted(self.terms["body"].values(), key=lambda t: t.name.lower())


def _load() -> Vocabulary:
    columns = ("kind", "id", "slug", "name", "group", "description", "order")
    text = {"output_field": CharField()}
    themes = (
        Theme.objects.annotate(
            kind=Value("theme", **text), order=Value(0, output_field=IntegerField())
        )
        .values_list(*columns)
        .order_by()
    )
    types = (
        ReviewType.objects.annotate(
            kind=Value("type", **text), group=Value("", **text), order=F("sort_order")
        )
        .values_list(*columns)
        .order_by()
    )
    bodies = (
        PublishingBody.objects.annotate(
            kind=Value("body", **text),
            group=Value("", **text),
            description=Value("", **text),
            order=Value(0, output_field=IntegerField()),
        )
        .values_list(*columns)
        .order_by()
    )
    rows = themes.union(types, bodies, all=True).order_by("kind", "order", "name")
    terms: dict[str, dict[str, Term]] = {"theme": {}, "type": {}, "body": {}}
    for kind, pk, slug, name, group, description, _order in rows:
        terms[kind][slug] = Term(pk, slug, name, group, description)
    return Vocabulary(terms)


def vocabulary() -> Vocabulary:
    # Kept by the process for a reader's page until the content changes, else in the shared
    # cache (site_core/caching/memo.py).
    return cached_value(CACHE_KEY, _load, timeout=CACHE_TIMEOUT)


def forget_vocabulary(**kwargs) -> None:
    cache.delete(CACHE_KEY)


def _reindex_reviews_using(term_field: str, term) -> None:
    """Re-index the reviews that show a renamed term, so searches use its new name."""
    from wagtail.search import index

    for review in ReviewPage.objects.filter(**{term_field: term}).specific().iterator():
        index.insert_or_update_object(review)


def term_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created or raw:
        return
    term_field = {
        Theme: "review_themes__theme",
        ReviewType: "review_type",
        PublishingBody: "publishing_body",
    }[sender]
    transaction.on_commit(lambda: _reindex_reviews_using(term_field, instance), robust=True)


def _content_changed(sender, instance=None, **kwargs) -> None:
    if isinstance(instance, (Theme, ReviewType, PublishingBody)):
        forget_vocabulary()


def connect() -> None:
    # Saved or deleted terms are announced as content changes (watched below).
    changes.watch(Theme, ReviewType, PublishingBody)
    content_changed.connect(_content_changed, dispatch_uid="terms_content_changed")
    for model in (Theme, ReviewType, PublishingBody):
        # A renamed term: the reviews showing it are indexed again.
        post_save.connect(term_saved, sender=model, dispatch_uid=f"terms_saved_{model.__name__}")
