"""Time the public pages in-process and count their SQL queries; print a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learning_bench .venv/bin/python bench/run.py

Each page is requested through django.test.Client (no web server, DEBUG off, the dev
settings' in-process cache as in production's shared one), a few times to warm up, then
timed over repeated requests; the median and 90th percentile are server time only (the
whole Django request: middleware, routing, queries, templates). The query count comes from
one more request inside CaptureQueriesContext. Figures only: nothing here passes or fails
except that every page must answer 200 (the feed may not exist yet: it is then skipped).
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.dev")
os.environ["DEBUG"] = "0"  # the dev settings read DEBUG from the environment

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from learning.models import ReviewPage, ReviewTheme, ThemeIndexPage  # noqa: E402
from learning.queries import live_public_reviews  # noqa: E402

QUERY_BUDGET = 10
LISTING_MS, SEARCH_MS = 50, 100


def pick_targets(q: str) -> tuple[int, list[tuple[str, str, int]]]:
    """The total of live reviews and (label, address, time budget in ms) for each page."""
    library = ThemeIndexPage.objects.live().order_by("path").first()
    if library is None:
        raise SystemExit("There is no live library: run bench/generate.py first.")
    base = library.url
    live = live_public_reviews().descendant_of(library)
    total = live.count()
    if not total:
        raise SystemExit("The library has no live reviews: run bench/generate.py first.")

    themes = list(
        ReviewTheme.objects.filter(page__in=live.values("pk"))
        .values_list("theme__slug", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n", "theme__slug")[:2]
    )
    common = (
        live.exclude(publication_date=None)
        .values_list("review_type__slug", "publication_date__year")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    type_slug, year, _n = common or ("local-cspr", 2020, 0)
    # A review from the middle of the library, neither the newest nor the oldest.
    middle = live.order_by("publication_date", "pk")[total // 2 : total // 2 + 1].get()
    review_url = middle.url

    two_words = "domestic abuse"
    return total, [
        ("library, unfiltered", base, LISTING_MS),
        ("library, two themes", f"{base}?theme={themes[0]}&theme={themes[-1]}", LISTING_MS),
        ("library, type + year", f"{base}?type={type_slug}&year={year}", LISTING_MS),
        # A search in the library is held to the searches' target.
        (f"library, q={q}", f"{base}?q={q}", SEARCH_MS),
        ("library, q + theme, page 2", f"{base}?q={q}&theme={themes[0]}&page=2", SEARCH_MS),
        ("theme page", f"{base}themes/{themes[0]}/", LISTING_MS),
        ("theme index", f"{base}themes/", LISTING_MS),
        ("review page", review_url, LISTING_MS),
        ("feed", f"{base}feed/", LISTING_MS),
        (f"site search, q={q}", f"/search/?q={q}", SEARCH_MS),
        (
            f"site search, q={two_words}, page 2",
            f"/search/?q={two_words.replace(' ', '+')}&page=2",
            SEARCH_MS,
        ),
        ("home page", "/", LISTING_MS),
    ]


def measure(client: Client, url: str, warmup: int, repeat: int):
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            return response.status_code, None, None, None
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} while being timed")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    timings.sort()
    p90 = timings[min(len(timings) - 1, int(len(timings) * 0.9))]
    return 200, statistics.median(timings), p90, len(captured)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed first (default 3)")
    parser.add_argument("--q", default="neglect", help="the search word (default neglect)")
    args = parser.parse_args(argv)

    assert not settings.DEBUG, "benchmarks run with DEBUG off"
    total, targets = pick_targets(args.q)
    # A page that fails (the feed, while it is being written) is reported, not raised,
    # and without its traceback in the middle of the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor += " " + cursor.fetchone()[0].split()[0]

    print(
        f"\n{total:,} live reviews ({ReviewPage.objects.count():,} in all) on {vendor}, "
        f"database {connection.settings_dict['NAME']}; median and p90 of {args.repeat} "
        f"requests after {args.warmup} warm-up, server time in-process\n"
    )
    header = f"{'page':<38} {'median ms':>9} {'p90 ms':>8} {'queries':>7}  {'target':<16} address"
    print(header)
    print("-" * len(header))
    misses = []
    for label, url, budget in targets:
        status, median, p90, queries = measure(client, url, args.warmup, args.repeat)
        if median is None:
            note = "skipped: not there yet" if status == 404 else f"skipped: status {status}"
            print(f"{label:<38} {'-':>9} {'-':>8} {'-':>7}  {note:<16} {url}")
            continue
        ok = median < budget and queries <= QUERY_BUDGET
        verdict = f"{'ok' if ok else 'MISS'} (<{budget} ms)"
        if not ok:
            misses.append(label)
        figures = f"{median:>9.1f} {p90:>8.1f} {queries:>7}"
        print(f"{label:<38} {figures}  {verdict:<16} {url}", flush=True)
    print(
        f"\nTargets: at most {QUERY_BUDGET} queries on every page; median under {LISTING_MS} ms "
        f"for listings, theme, review and feed pages, under {SEARCH_MS} ms for searches "
        "(the site search and the library with q)."
    )
    print(f"Missed: {', '.join(misses)}" if misses else "Every page met its targets.")


if __name__ == "__main__":
    main()
