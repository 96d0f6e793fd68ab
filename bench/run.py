"""Time the public pages in-process and count their SQL queries; print a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learning_bench .venv/bin/python bench/run.py

Each page is requested through django.test.Client (no web server, DEBUG off), a few times
to warm up, then timed over repeated requests; the median and 90th percentile are server
time only (the whole Django request: middleware, routing, queries, templates), and "cpu" is
the median processor time of this process per request (Python's share, without the
database's). The query count comes from one more request inside CaptureQueriesContext.
Figures only: nothing here passes or fails except that every page must answer 200 (the
feed may not exist yet: it is then skipped).

Every page is rendered: the full-page cache (site_core/caching/page_cache.py) is off unless
PAGE_CACHE is set in the environment. The cache is Redis when REDIS_URL is set (as in
production), else this process's own memory, never the dev settings' file cache, which the
development site shares (its vocabularies and menu are another database's).

`--profile URL` profiles that address instead (cProfile, processor time, the functions
that took longest in all, their own code first), e.g. `--profile /learning-from-reviews/`.
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
os.environ.setdefault("PAGE_CACHE", "off")  # every page rendered, unless asked otherwise

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from learning.models import ReviewPage, ReviewTheme, ThemeIndexPage  # noqa: E402
from learning.queries import live_public_reviews  # noqa: E402

if not os.environ.get("REDIS_URL"):
    # Before any cache is used: this process's own, not the development site's files.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
            return response.status_code, None, None, None, None
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} while being timed")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    timings.sort()
    p90 = timings[min(len(timings) - 1, int(len(timings) * 0.9))]
    return 200, statistics.median(timings), p90, statistics.median(cpu), len(captured)


def profile(client: Client, url: str, warmup: int, repeat: int) -> None:
    """Print where the processor time of `repeat` requests for `url` went."""
    import cProfile
    import pstats

    for _ in range(warmup):
        client.get(url)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(repeat):
        status = client.get(url).status_code
    profiler.disable()
    print(f"\n{url} answered {status}; {repeat} requests profiled (processor time)\n")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed first (default 3)")
    parser.add_argument("--q", default="neglect", help="the search word (default neglect)")
    parser.add_argument("--profile", metavar="URL", help="profile this address instead")
    args = parser.parse_args(argv)

    assert not settings.DEBUG, "benchmarks run with DEBUG off"
    # A page that fails (the feed, while it is being written) is reported, not raised,
    # and without its traceback in the middle of the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    if args.profile:
        profile(client, args.profile, args.warmup, args.repeat)
        return
    total, targets = pick_targets(args.q)
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor += " " + cursor.fetchone()[0].split()[0]

    page_cache = "on" if getattr(settings, "PAGE_CACHE_ENABLED", False) else "off"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"\n{total:,} live reviews ({ReviewPage.objects.count():,} in all) on {vendor}, "
        f"database {connection.settings_dict['NAME']}; median and p90 of {args.repeat} "
        f"requests after {args.warmup} warm-up, server time in-process; "
        f"page cache {page_cache}, cache {cache}\n"
    )
    header = (
        f"{'page':<38} {'median ms':>9} {'p90 ms':>8} {'cpu ms':>7} {'queries':>7}  "
        f"{'target':<16} address"
    )
    print(header)
    print("-" * len(header))
    misses = []
    for label, url, budget in targets:
        status, median, p90, cpu, queries = measure(client, url, args.warmup, args.repeat)
        if median is None:
            note = "skipped: not there yet" if status == 404 else f"skipped: status {status}"
            print(f"{label:<38} {'-':>9} {'-':>8} {'-':>7} {'-':>7}  {note:<16} {url}")
            continue
        ok = median < budget and queries <= QUERY_BUDGET
        verdict = f"{'ok' if ok else 'MISS'} (<{budget} ms)"
        if not ok:
            misses.append(label)
        figures = f"{median:>9.1f} {p90:>8.1f} {cpu:>7.1f} {queries:>7}"
        print(f"{label:<38} {figures}  {verdict:<16} {url}", flush=True)
    print(
        f"\nTargets: at most {QUERY_BUDGET} queries on every page; median under {LISTING_MS} ms "
        f"for listings, theme, review and feed pages, under {SEARCH_MS} ms for searches "
        "(the site search and the library with q)."
    )
    print(f"Missed: {', '.join(misses)}" if misses else "Every page met its targets.")


if __name__ == "__main__":
    main()
