"""The controlled vocabularies, loaded once and kept in the cache.

Every finder view needs all themes, review types and publishing bodies (to read slugs
in the address and to label facets). They are small and change rarely, so they are
read in one query and cached; saving or deleting any term clears the cache (see
learning/signals.py). In production the cache is shared (Redis), so every process sees
the change; the timeout bounds staleness should an invalidation ever be missed.
"""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import CharField, F, IntegerField, Value

from learning.models import PublishingBody, ReviewType, Theme

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
    terms = cache.get(CACHE_KEY)
    if terms is None:
        terms = _load()
        cache.set(CACHE_KEY, terms, CACHE_TIMEOUT)
    return terms


def forget_vocabulary(**kwargs) -> None:
    cache.delete(CACHE_KEY)
