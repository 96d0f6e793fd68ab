"""Measure how late the real scheduler publishes: ten reviews scheduled over the next minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learning_scheduler_bench \\
        .venv/bin/python bench/scheduler_lateness.py

Creates the database and migrates it if it does not exist (an existing one must already be
migrated: nothing is migrated behind your back). Schedules `--items` reviews (default 10)
with go-live times over the next `--minutes` minutes (default 3): most on a whole minute,
as the admin lets editors choose, and some at odd seconds, the worst case. Then runs the
real `manage.py run_scheduler` as a subprocess, watches the database until every review is
live, and prints for each its go-live time, the moment this script first saw it live, the
lateness (seen live minus go-live) and the lateness the scheduler itself logged (its commit
minus go-live), with the maximum and median. The reviews are deleted afterwards (`--keep`
keeps them). Uses site_core.settings.dev with DEBUG off.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.dev")
os.environ["DEBUG"] = "0"  # the dev settings read DEBUG from the environment
# This script's own log (Wagtail's line per page created) would bury the table; the
# scheduler it starts logs at INFO (echoed with --verbose).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.utils import timezone  # noqa: E402

from home.models import HomePage  # noqa: E402
from learning.models import ReviewPage, ReviewTheme, ReviewType, Theme, ThemeIndexPage  # noqa: E402

PREFIX = "scheduler-bench-"
POLL = 0.05  # seconds between looks at the database
LOGGED = re.compile(r"published page id=(\d+) .* lateness=(-?[\d.]+)s")


def ensure_database() -> None:
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must name a PostgreSQL database.")
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created database {db['NAME']}; migrating it.")
            call_command("migrate", "--noinput", verbosity=0)
            return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SystemExit(f"{db['NAME']} has unapplied migrations: run `manage.py migrate`.")


def library_page() -> ThemeIndexPage:
    library = ThemeIndexPage.objects.order_by("path").first()
    if library is None:
        home = HomePage.objects.order_by("path").first()
        if home is None:
            raise SystemExit("There is no home page: is the database migrated?")
        library = ThemeIndexPage(title="Learning from reviews", slug="learning-from-reviews")
        home.add_child(instance=library)
        library.save_revision().publish()
    return library


def go_live_times(count: int, minutes: int, start: datetime) -> list[datetime]:
    """Whole minutes first (what editors can choose), then odd seconds, over `minutes`."""
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if first - start < timedelta(seconds=20):
        first += timedelta(minutes=1)  # leave time to schedule them all and start the scheduler
    odd = count // 3
    on_minute = [first + timedelta(minutes=i % minutes) for i in range(count - odd)]
    off_minute = [first + timedelta(minutes=i % minutes, seconds=7 + 19 * i) for i in range(odd)]
    return sorted(on_minute + off_minute)


def schedule_reviews(times: list[datetime]) -> dict[int, datetime]:
    library = library_page()
    theme, _ = Theme.objects.get_or_create(
        slug=f"{PREFIX}theme",
        defaults={"name": "Scheduler benchmark", "group": Theme.Group.PRACTICE},
    )
    review_type = ReviewType.objects.order_by("pk").first()
    scheduled = {}
    for n, go_live_at in enumerate(times):
        review = ReviewPage(
            title=f"Scheduler benchmark {n}",
            slug=f"{PREFIX}{n}-{int(time.time())}",
            review_type=review_type,
            summary="A review scheduled by the scheduler benchmark.",
            publication_date=date.today(),
            live=False,
        )
        library.add_child(instance=review)
        review.review_themes = [ReviewTheme(theme=theme)]
        review.go_live_at = go_live_at
        review.save_revision().publish()
        scheduled[review.pk] = go_live_at
    return scheduled


def start_scheduler(lines: list[str], echo: bool) -> subprocess.Popen:
    env = {**os.environ, "LOG_LEVEL": LOG_LEVEL, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def read():
        for line in process.stdout:
            lines.append(line)
            if echo:
                print("  scheduler:", line, end="")

    threading.Thread(target=read, daemon=True).start()
    return process


def watch(scheduled: dict[int, datetime], timeout: float) -> dict[int, datetime]:
    """When each review was first seen live, looking every POLL seconds."""
    seen: dict[int, datetime] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(scheduled) and time.monotonic() < deadline:
        live = ReviewPage.objects.filter(pk__in=scheduled.keys() - seen.keys(), live=True)
        now = timezone.now()
        for pk in live.values_list("pk", flat=True):
            seen[pk] = now
        time.sleep(POLL)
    return seen


def report(scheduled, seen, logged) -> None:
    print(f"\n{'go-live (UTC)':<15}{'seen live':<15}{'late, seen':>12}{'late, logged':>14}")
    rows = []
    for pk, go_live_at in sorted(scheduled.items(), key=lambda item: item[1]):
        if pk not in seen:
            print(f"{go_live_at:%H:%M:%S}       never (timed out)")
            continue
        lateness = (seen[pk] - go_live_at).total_seconds()
        rows.append((go_live_at, lateness))
        own = f"{logged[pk]:.2f} s" if pk in logged else "-"
        print(
            f"{go_live_at:%H:%M:%S}       {seen[pk]:%H:%M:%S}.{seen[pk].microsecond // 1000:03d}"
            f"{lateness:>10.2f} s{own:>14}"
        )
    for label, late in (
        ("all", [x for _, x in rows]),
        ("on a whole minute", [x for t, x in rows if t.second == 0]),
        ("at odd seconds", [x for t, x in rows if t.second != 0]),
    ):
        if late:
            print(
                f"{label} ({len(late)}): max {max(late):.2f} s, "
                f"median {statistics.median(late):.2f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10, help="how many reviews (default 10)")
    parser.add_argument("--minutes", type=int, default=3, help="spread over (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the reviews afterwards")
    parser.add_argument("--verbose", action="store_true", help="echo the scheduler's log")
    args = parser.parse_args()

    ensure_database()
    times = go_live_times(args.items, args.minutes, timezone.now())
    scheduled = schedule_reviews(times)
    print(
        f"Scheduled {len(scheduled)} reviews from {times[0]:%H:%M:%S} to {times[-1]:%H:%M:%S} "
        f"UTC; waiting for the scheduler to publish them."
    )
    lines: list[str] = []
    scheduler = start_scheduler(lines, args.verbose)
    try:
        timeout = (times[-1] - timezone.now()).total_seconds() + 120
        seen = watch(scheduled, timeout)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=90)
        if not args.keep:
            for review in ReviewPage.objects.filter(pk__in=scheduled):
                review.delete()
            Theme.objects.filter(slug=f"{PREFIX}theme").delete()

    logged = {}
    for line in lines:
        if match := LOGGED.search(line):
            logged[int(match[1])] = float(match[2])
    report(scheduled, seen, logged)
    if len(seen) < len(scheduled):
        raise SystemExit("Some reviews were never published: see the scheduler's log (--verbose).")


if __name__ == "__main__":
    main()
