"""Fill a database with many generated reviews, fast, for the benchmarks in bench/run.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learning_bench \\
        .venv/bin/python bench/generate.py --reviews 10000

Uses site_core.settings.dev (DATABASE_URL from the environment). Run `manage.py migrate`
first; `manage.py load_demo_content` too if you want the demo's library, policy page and
themes (otherwise the library and the themes are created here).

Rows are bulk-inserted rather than saved one by one: page tree paths are computed here,
pages are written live with no revisions (their content is in the page tables, which is
all the public site reads), documents point at a small pool of placeholder PDFs and get
their extracted text written directly (no PDF is read), and the search index entries of
the new reviews and documents are written in bulk through the search backend.

Everything generated has a slug (pages) or title (documents) starting "bench-", and the
documents sit in their own collection; `--clear` removes it all again.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from wagtail.models import Collection, Locale, Page, Site  # noqa: E402
from wagtail.search.backends import get_search_backend  # noqa: E402

from home.models import HomePage  # noqa: E402
from learning.demo_content.loader import read_content, rich_text  # noqa: E402
from learning.demo_content.pdf import placeholder_pdf  # noqa: E402
from learning.extraction import text_for_search_index  # noqa: E402
from learning.facet_counts import refresh as refresh_facet_counts  # noqa: E402
from learning.models import (  # noqa: E402
    DatePrecision,
    DocumentKind,
    PublishingBody,
    ReportDocument,
    ReviewAuthor,
    ReviewDocument,
    ReviewPage,
    ReviewTheme,
    ReviewType,
    Theme,
    ThemeIndexPage,
)
from learning.models.reviews import SUMMARY_MAX_LENGTH  # noqa: E402
from site_core.search.models import PageSearchVector  # noqa: E402

PREFIX = "bench-"
COLLECTION_NAME = "Benchmark content"
FILE_POOL = 24  # placeholder PDFs shared by all generated documents
BATCH = 1000
FIRST_DAY, LAST_DAY = date(2010, 1, 1), date(2026, 6, 30)

EXTRA_BODIES = [
    ("Thameside Safeguarding Children Partnership", "bench-thameside-scp"),
    ("Northbridge Safeguarding Adults Board", "bench-northbridge-sab"),
    ("Eastmoor Community Safety Partnership", "bench-eastmoor-csp"),
    ("Westfield LSCB", "bench-westfield-lscb"),
]

# Review types, with how common each is.
TYPE_WEIGHTS = {
    "local-cspr": 30,
    "rapid-review": 10,
    "local-learning-review": 15,
    "serious-case-review": 20,
    "thematic-review": 6,
    "national-cspr": 4,
    "safeguarding-adults-review": 9,
    "domestic-homicide-review": 6,
}

# --- Prose ---------------------------------------------------------------------------------

SUBJECTS = ["Child", "Baby", "Family", "Adult", "Young person", "Sibling group"]
PEOPLE = [
    "the child",
    "the baby",
    "the mother",
    "the father",
    "the stepfather",
    "the grandmother",
    "the young person",
    "the older sibling",
    "the family",
    "the carer",
]
AGENCIES = [
    "children's social care",
    "the health visiting service",
    "the school",
    "the GP practice",
    "the police",
    "the midwifery service",
    "the youth offending team",
    "adult mental health services",
    "the housing provider",
    "the early help team",
    "the substance misuse service",
    "the emergency department",
    "probation",
    "the nursery",
    "child and adolescent mental health services",
]
ACTIONS = [
    "did not share information about",
    "recorded but did not act on",
    "assessed",
    "missed the significance of",
    "responded quickly to",
    "escalated concerns about",
    "held a strategy discussion about",
    "made a referral about",
    "was not told about",
    "worked closely with the family on",
]
CONCERNS = [
    "neglect of the home conditions",
    "domestic abuse in the household",
    "parental substance misuse",
    "the mother's mental health",
    "repeated missed health appointments",
    "unexplained bruising",
    "poor school attendance",
    "the child going missing",
    "criminal exploitation by older men",
    "the baby's weight loss",
    "overcrowded and unsafe housing",
    "the father's violent history",
    "self-harm and suicidal thoughts",
    "online sexual exploitation",
    "the family's financial hardship",
    "a lack of professional curiosity",
    "disguised compliance by the parents",
    "the voice of the child being lost",
]
LEARNING = [
    "Practitioners need to think about the whole family, not only the adult in front of them.",
    "Information held by one agency was not available to the others when decisions were made.",
    "Professional curiosity means asking what daily life is like for the child.",
    "Escalation routes were known but rarely used when agencies disagreed.",
    "The cumulative impact of neglect was not recognised because each incident seemed minor.",
    "Fathers and other men in the household were not assessed or engaged.",
    "Supervision gave little time to reflect on the risks to the child.",
    "Thresholds for early help and statutory services were applied inconsistently.",
    "Transitions between services left gaps where nobody held responsibility.",
    "Records did not show what the child had said or how they appeared.",
    "Safe sleep advice was given but not checked or repeated.",
    "Assessments did not consider the family's history across previous local authorities.",
]
HEADINGS = [
    "What happened",
    "Background",
    "Key events",
    "What we learned",
    "Analysis of practice",
    "Good practice",
    "Recommendations",
    "What has changed since",
]
AUTHOR_FIRST = ["Jane", "Amir", "Helen", "David", "Priya", "Marcus", "Siobhan", "Peter", "Grace"]
AUTHOR_LAST = ["Ahmed", "Clarke", "Okafor", "Williams", "Nowak", "Hughes", "Patel", "Murray"]


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(AGENCIES).capitalize()} {rng.choice(ACTIONS)} "
        f"{rng.choice(CONCERNS)} involving {rng.choice(PEOPLE)}."
    )


def paragraph(rng: random.Random) -> str:
    parts = [sentence(rng) for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.5:
        parts.append(rng.choice(LEARNING))
    return " ".join(parts)


def body_data(rng: random.Random) -> list[dict]:
    sections = []
    for heading in rng.sample(HEADINGS, rng.randint(2, 5)):
        paragraphs = [paragraph(rng) for _ in range(rng.randint(1, 4))]
        sections.append(
            {
                "type": "section",
                "value": {"heading": heading, "content": rich_text(paragraphs)},
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
            }
        )
    if rng.random() < 0.5:
        points = [
            {"type": "item", "value": point, "id": str(uuid.UUID(int=rng.getrandbits(128)))}
            for point in rng.sample(LEARNING, rng.randint(2, 5))
        ]
        sections.append(
            {
                "type": "learning_points",
                "value": {"heading": "Strategic learning points", "points": points},
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
            }
        )
    return sections


def summary_text(rng: random.Random, subject: str) -> str:
    text = (
        f"A review concerning {subject}, after {rng.choice(CONCERNS)} was known to "
        f"{rng.choice(AGENCIES)} and {rng.choice(AGENCIES)}. {rng.choice(LEARNING)}"
    )
    return text[:SUMMARY_MAX_LENGTH]


def report_text(rng: random.Random) -> str:
    return "\n\n".join(paragraph(rng) for _ in range(rng.randint(3, 12)))


# --- Tree paths ----------------------------------------------------------------------------


def child_paths(parent: Page, count: int) -> list[str]:
    """The treebeard paths of `count` new last children of `parent`."""
    alphabet, steplen = Page.alphabet, Page.steplen
    base = len(alphabet)
    last = parent.get_children().order_by("-path").values_list("path", flat=True).first()
    start = int(last[-steplen:], base) + 1 if last else 1
    if start + count > base**steplen:
        raise SystemExit(f"{parent} cannot hold {count} more children")

    def step(n: int) -> str:
        digits = ""
        while n:
            n, digit = divmod(n, base)
            digits = alphabet[digit] + digits
        return digits.rjust(steplen, alphabet[0])

    return [parent.path + step(n) for n in range(start, start + count)]


# --- Set-up --------------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, flush=True)


def vocabularies() -> tuple[list[Theme], dict[str, ReviewType], list[PublishingBody]]:
    content = read_content()
    existing = set(Theme.objects.values_list("slug", flat=True))
    names = {name.lower() for name in Theme.objects.values_list("name", flat=True)}
    Theme.objects.bulk_create(
        Theme(
            slug=spec["slug"],
            name=spec["name"],
            group=spec["group"],
            description=spec["description"],
        )
        for spec in content["themes"]
        if spec["slug"] not in existing and spec["name"].lower() not in names
    )
    wanted = [spec["slug"] for spec in content["themes"]]
    themes = list(Theme.objects.filter(slug__in=wanted)) or list(Theme.objects.all())

    bodies = [(spec["name"], spec["slug"]) for spec in content["publishing_bodies"]]
    for name, slug in [*bodies, *EXTRA_BODIES]:
        if not PublishingBody.objects.filter(name__iexact=name).exists():
            PublishingBody.objects.get_or_create(slug=slug, defaults={"name": name})
    types = {t.slug: t for t in ReviewType.objects.all()}
    if not types:
        raise SystemExit("There are no review types: run `manage.py migrate` first.")
    return themes, types, list(PublishingBody.objects.all())


def library_page() -> ThemeIndexPage:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page.specific if site else None
    if not isinstance(home, HomePage):
        home = HomePage.objects.order_by("path").first()
    if home is None:
        raise SystemExit("There is no home page: run `manage.py migrate` first.")
    library = ThemeIndexPage.objects.child_of(home).first()
    if library is None:
        library = ThemeIndexPage(
            title="Learning from reviews",
            slug="learning-from-reviews",
            intro="<p>The reviews the partnership has published.</p>",
            show_in_menus=True,
        )
        home.add_child(instance=library)
        library.save_revision().publish()
        say(f"Created the library at {library.url_path}")
    return library


def file_pool() -> list[tuple[str, int]]:
    """Names and sizes of the small placeholder PDFs the generated documents share."""
    pool = []
    for n in range(FILE_POOL):
        name = f"documents/bench/report-{n:02d}.pdf"
        if not default_storage.exists(name):
            data = placeholder_pdf(
                title=f"Generated report {n}",
                kind="Full report",
                lines=["A generated placeholder for the benchmarks.", paragraph(random.Random(n))],
            )
            name = default_storage.save(name, ContentFile(data))
        pool.append((name, default_storage.size(name)))
    return pool


# --- Generation ----------------------------------------------------------------------------


def generate(count: int, seed: int) -> None:
    rng = random.Random(seed)
    started = time.monotonic()
    themes, types, bodies = vocabularies()
    library = library_page()
    type_slugs = [slug for slug in TYPE_WEIGHTS if slug in types] or list(types)
    type_weights = [TYPE_WEIGHTS.get(slug, 1) for slug in type_slugs]
    root_collection = Collection.get_first_root_node()
    collection = root_collection.get_children().filter(name=COLLECTION_NAME).first()
    if collection is None:
        collection = root_collection.add_child(name=COLLECTION_NAME)
    pool = file_pool()

    taken = Page.objects.child_of(library).filter(slug__startswith=PREFIX).count()
    review_ct = ContentType.objects.get_for_model(ReviewPage)
    locale = Locale.get_default()
    span = (LAST_DAY - FIRST_DAY).days
    new_ids: list[int] = []
    new_documents: list[int] = []

    with transaction.atomic():
        library = Page.objects.select_for_update().get(pk=library.pk)  # fresh numchild/path
        paths = child_paths(library, count)
        for offset in range(0, count, BATCH):
            numbers = range(taken + offset + 1, taken + min(offset + BATCH, count) + 1)
            pages, reviews = [], []
            for path, n in zip(paths[offset : offset + BATCH], numbers, strict=True):
                published = FIRST_DAY + timedelta(days=rng.randint(0, span))
                published_at = timezone.make_aware(datetime.combine(published, clock(10)))
                subject = f"{rng.choice(SUBJECTS)} {chr(65 + n % 26)}{n}"
                title = f"{subject}: {rng.choice(CONCERNS)}"[:200]
                slug = f"{PREFIX}{n}"
                pages.append(
                    Page(
                        path=path,
                        depth=library.depth + 1,
                        numchild=0,
                        translation_key=uuid.UUID(int=rng.getrandbits(128)),
                        locale=locale,
                        live=True,
                        has_unpublished_changes=False,
                        first_published_at=published_at,
                        last_published_at=published_at,
                        title=title,
                        draft_title=title,
                        slug=slug,
                        content_type=review_ct,
                        url_path=f"{library.url_path}{slug}/",
                        seo_title="",
                        search_description="",
                    )
                )
                precision = rng.choices(
                    [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR],
                    weights=[80, 15, 5],
                )[0]
                reviews.append(
                    ReviewPage(
                        subject=subject,
                        review_type=types[rng.choices(type_slugs, weights=type_weights)[0]],
                        summary=summary_text(rng, subject),
                        body=body_data(rng),
                        publishing_body=rng.choice(bodies) if rng.random() < 0.7 else None,
                        publication_date=published,
                        publication_date_precision=precision,
                        reference=f"BENCH/{published.year}/{n}" if rng.random() < 0.3 else "",
                    )
                )
            # Page rows first (PostgreSQL returns their ids), then the review
            # rows that extend them: Django's bulk_create refuses multi-table models.
            Page.objects.bulk_create(pages)
            for page, review in zip(pages, reviews, strict=True):
                review.page_ptr_id = page.pk
                review.pk = page.pk
            fields = ReviewPage._meta.local_concrete_fields
            ReviewPage._base_manager._insert(reviews, fields=fields, using=connection.alias)

            links, authors, documents, doc_links = [], [], [], []
            for review in reviews:
                chosen = rng.sample(themes, rng.randint(1, min(6, len(themes))))
                links += [
                    ReviewTheme(page_id=review.pk, theme=theme, sort_order=i)
                    for i, theme in enumerate(chosen)
                ]
                for i in range(rng.choices([0, 1, 2, 3], weights=[25, 45, 20, 10])[0]):
                    authors.append(
                        ReviewAuthor(
                            page_id=review.pk,
                            name=f"{rng.choice(AUTHOR_FIRST)} {rng.choice(AUTHOR_LAST)}",
                            role=rng.choice(ReviewAuthor.Role.values),
                            sort_order=i,
                        )
                    )
                kinds = [DocumentKind.FULL_REPORT, DocumentKind.EXECUTIVE_SUMMARY]
                kinds += [DocumentKind.BRIEFING, DocumentKind.ACTION_PLAN]
                for i, kind in enumerate(kinds[: rng.randint(1, 3)]):
                    name, size = rng.choice(pool)
                    documents.append(
                        ReportDocument(
                            title=f"{PREFIX}{review.pk}-{i} {review.subject}",
                            collection=collection,
                            file=name,
                            file_size=size,
                            extracted_text=report_text(rng) if rng.random() < 0.6 else "",
                        )
                    )
                    doc_links.append((review.pk, kind, i))
            ReviewTheme.objects.bulk_create(links)
            ReviewAuthor.objects.bulk_create(authors)
            ReportDocument.objects.bulk_create(documents)
            ReviewDocument.objects.bulk_create(
                ReviewDocument(page_id=page_id, document=document, kind=kind, sort_order=i)
                for (page_id, kind, i), document in zip(doc_links, documents, strict=True)
            )
            new_ids += [review.pk for review in reviews]
            new_documents += [document.pk for document in documents]
            elapsed = time.monotonic() - started
            say(f"  {offset + len(reviews):>6} reviews written ({elapsed:.0f} s)")

        Page.objects.filter(pk=library.pk).update(numchild=F("numchild") + count)

    say(f"Indexing {len(new_ids)} reviews and {len(new_documents)} documents for search")
    backend = get_search_backend()
    for offset in range(0, len(new_ids), BATCH):
        ids = new_ids[offset : offset + BATCH]
        reviews = list(
            ReviewPage.get_indexed_objects()
            .filter(pk__in=ids)
            .prefetch_related("review_themes__theme")  # the backend reads each theme's name
        )
        with_report_text(reviews)
        backend.add_bulk(ReviewPage, reviews)
    for offset in range(0, len(new_documents), BATCH):
        ids = new_documents[offset : offset + BATCH]
        backend.add_bulk(
            ReportDocument, list(ReportDocument.get_indexed_objects().filter(pk__in=ids))
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    say(f"Generated {count} reviews in {time.monotonic() - started:.0f} s")


def with_report_text(reviews: list[ReviewPage]) -> None:
    """Give each review its report text, read for all of them in one query.

    The search backend asks each indexed field for its value several times over (once for
    each kind of index column), and `ReviewPage.report_text()` queries the review's
    documents each time: five queries a review. The same text, read once for the batch,
    is set on each instance instead.
    """
    links = (
        ReviewDocument.objects.filter(page_id__in=[review.pk for review in reviews])
        .select_related("document")
        .order_by("page_id", "sort_order")
    )
    documents: dict[int, list] = {}
    for link in links:
        documents.setdefault(link.page_id, []).append(link.document)
    for review in reviews:
        text = text_for_search_index(documents.get(review.pk, []))
        review.report_text = lambda text=text: text


def clear() -> None:
    started = time.monotonic()
    ids = list(ReviewPage.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    documents = ReportDocument.objects.filter(
        collection__name=COLLECTION_NAME, title__startswith=PREFIX
    )
    from wagtail.search.models import IndexEntry

    with transaction.atomic():
        for model, pks in (
            (ReviewPage, ids),
            (ReportDocument, list(documents.values_list("pk", flat=True))),
        ):
            content_type = ContentType.objects.get_for_model(model)
            for offset in range(0, len(pks), BATCH):
                chunk = [str(pk) for pk in pks[offset : offset + BATCH]]
                IndexEntry.objects.filter(
                    content_type=content_type, object_id__in=chunk
                )._raw_delete(connection.alias)
        # Each page's parent keeps count of its children (treebeard's numchild).
        parents = {}
        for path in Page.objects.filter(pk__in=ids).values_list("path", flat=True):
            parents[path[: -Page.steplen]] = parents.get(path[: -Page.steplen], 0) + 1
        for offset in range(0, len(ids), BATCH):
            chunk = ids[offset : offset + BATCH]
            # The search vectors too: the index entries went around the search backend.
            for model in (ReviewTheme, ReviewAuthor, ReviewDocument, PageSearchVector):
                model.objects.filter(page_id__in=chunk)._raw_delete(connection.alias)
            ReviewPage.objects.filter(pk__in=chunk)._raw_delete(connection.alias)
            Page.objects.filter(pk__in=chunk)._raw_delete(connection.alias)
        for path, n in parents.items():
            Page.objects.filter(path=path).update(numchild=F("numchild") - n)
        documents._raw_delete(connection.alias)
    say(f"Removed {len(ids)} generated reviews in {time.monotonic() - started:.1f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000, help="how many (default 10000)")
    parser.add_argument("--clear", action="store_true", help="first remove generated reviews")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--ensure",
        action="store_true",
        help="leave the database alone if it already holds exactly --reviews generated "
        "reviews; otherwise remove them and generate that many (what `make bench` does)",
    )
    args = parser.parse_args(argv)
    if args.ensure:
        existing = ReviewPage.objects.filter(slug__startswith=PREFIX).count()
        if existing == args.reviews:
            say(f"The database already holds {existing} generated reviews: kept")
            args.clear, args.reviews = False, 0  # counted below all the same
        else:
            args.clear = True
    if args.clear:
        clear()
    if args.reviews > 0:
        generate(args.reviews, args.seed)
    count_facets()


def count_facets() -> None:
    """Count the library's facets (learning/facet_counts.py), as publishing would have.

    The rows above are written without signals, so nothing has counted them; the pages
    would count live until the scheduler's next check. A database generated before the
    counts existed (`--ensure` keeps it) is counted too.
    """
    started = time.monotonic()
    refreshed = refresh_facet_counts()
    if refreshed is not None:
        say(
            f"Counted the facets: {refreshed.rows} rows for {refreshed.libraries} "
            f"{'library' if refreshed.libraries == 1 else 'libraries'} "
            f"in {time.monotonic() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
