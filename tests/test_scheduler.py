"""The publishing scheduler: an editor schedules a review and it goes live on the minute.

Time is a frozen clock (`clock`, time-machine), never a real wait: a tick "one minute
later" is the clock moved on by a minute. The tests at the end run real
`manage.py run_scheduler` processes against the test database (PostgreSQL only).
"""

import datetime
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock
from urllib.parse import quote

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from wagtail.models import PageLogEntry
from wagtail.signals import page_published
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

import pytest
import time_machine
from bs4 import BeautifulSoup

from learning.models import ReviewPage
from site_core.management.commands import run_scheduler
from site_core.publishing import scheduler
from site_core.publishing.models import SchedulerHeartbeat
from site_core.publishing.scheduler import Scheduler, Tick, next_boundary, run_tick
from site_core.signals import scheduler_tick
from tests.factories import ReviewPageFactory

ROOT = Path(__file__).resolve().parent.parent
PUBLISH_ACTIONS = ["wagtail.publish", "wagtail.publish.scheduled"]


class Clock:
    """The frozen clock of a test: `now` is what Wagtail and the scheduler read."""

    def __init__(self, traveller):
        self.traveller = traveller

    @property
    def now(self) -> datetime.datetime:
        return timezone.now()

    def advance(self, **delta) -> None:
        self.traveller.shift(datetime.timedelta(**delta))


@pytest.fixture
def clock():
    # On a whole minute, as editors schedule: 10:00:00 today.
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield Clock(traveller)


def schedule_review(library, go_live_at, expire_at=None, **fields) -> ReviewPage:
    """A review an editor has finished and scheduled: its revision waits for go_live_at."""
    review = ReviewPageFactory(parent=library, publish=False, **fields)
    review.go_live_at = go_live_at
    review.expire_at = expire_at
    review.save_revision().publish()
    review.refresh_from_db()
    assert not review.live and is_scheduled(review)
    return review


def is_scheduled(page) -> bool:
    # A fresh instance: `scheduled_revision` is cached on the one a test holds.
    return type(page).objects.get(pk=page.pk).scheduled_revision is not None


def publish_count(page) -> int:
    return PageLogEntry.objects.filter(page=page, action__in=PUBLISH_ACTIONS).count()


def scheduler_lines(caplog, level=logging.INFO) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "site_core.publishing.scheduler" and r.levelno == level
    ]


# --- One tick --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_due_review_goes_live_in_one_tick_and_one_not_yet_due_waits(library, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="site_core.publishing.scheduler")
    start = clock.now
    due = schedule_review(library, start + datetime.timedelta(minutes=5), title="Child D")
    later = schedule_review(library, start + datetime.timedelta(minutes=6), title="Child L")

    clock.advance(minutes=5, seconds=2)
    tick = run_tick()

    due.refresh_from_db()
    later.refresh_from_db()
    assert tick.ran and tick.failures == 0
    assert due.live and not is_scheduled(due)
    assert due.last_published_at == clock.now
    assert publish_count(due) == 1
    assert not later.live and is_scheduled(later)
    assert publish_count(later) == 0
    [line] = scheduler_lines(caplog)
    assert line.startswith(f'published page id={due.pk} title="Child D" url_path={due.url_path}')
    assert f"scheduled={(start + datetime.timedelta(minutes=5)).isoformat()}" in line
    assert f"actual={clock.now.isoformat()}" in line
    assert line.endswith("lateness=2.00s")
    [debug] = scheduler_lines(caplog, logging.DEBUG)
    assert debug.startswith(f"tick now={clock.now.isoformat()} since=never published=1 expired=0")


@pytest.mark.django_db
def test_a_review_whose_expiry_has_come_is_unpublished(library, clock, caplog):
    caplog.set_level(logging.INFO, logger="site_core.publishing.scheduler")
    review = ReviewPageFactory(parent=library, title="Child E")
    review.expire_at = clock.now + datetime.timedelta(minutes=1)
    review.save_revision().publish()

    clock.advance(minutes=1)
    run_tick()

    review.refresh_from_db()
    assert not review.live and review.expired
    assert PageLogEntry.objects.filter(page=review, action="wagtail.unpublish.scheduled").exists()
    [line] = scheduler_lines(caplog)
    assert line.startswith(f'expired page id={review.pk} title="Child E"')
    assert line.endswith("lateness=0.00s")


@pytest.mark.django_db
def test_each_tick_sends_scheduler_tick_with_now_and_since_and_records_a_heartbeat(library, clock):
    calls = []

    def record(sender, now, since, **kwargs):
        calls.append((now, since))

    scheduler_tick.connect(record)
    try:
        first = clock.now
        run_tick()
        clock.advance(minutes=1)
        run_tick()
    finally:
        scheduler_tick.disconnect(record)

    assert calls == [(first, None), (clock.now, first)]
    heartbeat = SchedulerHeartbeat.objects.get(name="scheduler")
    assert heartbeat.last_tick_at == clock.now
    assert heartbeat.host.endswith(f":{os.getpid()}")


@pytest.mark.django_db
def test_a_failing_receiver_is_rolled_back_and_its_window_offered_again(library, clock):
    review = schedule_review(library, clock.now + datetime.timedelta(minutes=1))
    run_tick()
    first = clock.now
    seen = []

    def apply_dates(sender, now, since, **kwargs):
        seen.append(since)
        SchedulerHeartbeat.objects.create(name="written-by-the-receiver")
        if len(seen) == 1:
            raise RuntimeError("report withdrawals failed")

    scheduler_tick.connect(apply_dates)
    try:
        clock.advance(minutes=1)
        failed = run_tick()
        clock.advance(minutes=1)
        run_tick()
    finally:
        scheduler_tick.disconnect(apply_dates)

    review.refresh_from_db()
    assert review.live, "publishing does not wait for the receivers"
    assert not failed.receivers_ok
    assert seen == [first, first], "the failed tick's window is offered again"
    assert SchedulerHeartbeat.objects.filter(name="written-by-the-receiver").count() == 1
    assert SchedulerHeartbeat.objects.get(name="scheduler").last_tick_at == clock.now


@pytest.mark.django_db
def test_a_review_that_fails_halfway_through_publishing_stays_scheduled_and_others_go_live(
    library, clock, caplog
):
    go_live = clock.now + datetime.timedelta(minutes=1)
    broken = schedule_review(library, go_live, title="Child B")
    fine = schedule_review(library, go_live, title="Child F")

    @receiver(page_published)
    def fail_for_child_b(sender, instance, **kwargs):
        # After Wagtail has saved the page as live: a half-published page if not rolled back.
        if instance.pk == broken.pk:
            raise RuntimeError("search index unavailable")

    clock.advance(minutes=1)
    try:
        tick = run_tick()
    finally:
        page_published.disconnect(fail_for_child_b)

    broken.refresh_from_db()
    fine.refresh_from_db()
    assert tick.failures == 1
    assert fine.live
    assert not broken.live and broken.live_revision is None
    assert is_scheduled(broken)
    assert publish_count(broken) == 0
    assert any(
        r.levelno == logging.ERROR and "search index unavailable" in str(r.exc_info[1])
        for r in caplog.records
        if r.exc_info
    )

    clock.advance(minutes=1)
    run_tick()
    broken.refresh_from_db()
    assert broken.live and publish_count(broken) == 1


@pytest.mark.django_db
def test_run_scheduler_once_publishes_what_is_due(library, clock):
    review = schedule_review(library, clock.now + datetime.timedelta(minutes=1))
    clock.advance(minutes=1)

    call_command("run_scheduler", "--once")

    review.refresh_from_db()
    assert review.live


# --- Wagtail issue #13896: the schedule is left on the page after it has been applied -----


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def save_draft_from_edit_form(client, review):
    """The editor opens the review in the admin and clicks "Save draft", changing nothing."""
    review = ReviewPage.objects.get(pk=review.pk)  # its themes as saved, not as built
    soup = BeautifulSoup(client.get(edit_url(review)).content, "html.parser")
    schedule = {
        name: soup.find("input", {"name": name}).get("value", "")
        for name in ("go_live_at", "expire_at")
    }
    data = {
        "title": review.title,
        "slug": review.slug,
        "subject": review.subject,
        "review_type": review.review_type_id,
        "summary": review.summary,
        "publication_date": review.publication_date.isoformat(),
        "publication_date_precision": review.publication_date_precision,
        "body": streamfield([]),
        "review_themes": inline_formset(
            [{"id": t.pk, "theme": t.theme_id} for t in review.review_themes.all()],
            initial=review.review_themes.count(),
        ),
        "report_documents": inline_formset([]),
        "authors": inline_formset([]),
        "comments": inline_formset([]),
        **schedule,
        "action-save-draft": "1",
    }
    return client.post(edit_url(review), nested_form_data(data))


def page_text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.mark.django_db
def test_after_a_scheduled_publish_the_go_live_time_is_cleared(admin_client, library, clock):
    review = schedule_review(library, clock.now + datetime.timedelta(minutes=5))
    clock.advance(minutes=5)
    run_tick()

    clock.advance(minutes=1)
    response = save_draft_from_edit_form(admin_client, review)
    assert response.status_code == 302, page_text(response)

    review.refresh_from_db()
    assert review.live
    assert review.go_live_at is None
    assert review.live_revision.content["go_live_at"] is None
    assert review.get_latest_revision_as_object().go_live_at is None
    # The side panel no longer offers a stale go-live time as the draft's next schedule.
    assert "Go-live:" not in page_text(admin_client.get(edit_url(review)))


@pytest.mark.django_db
def test_after_a_scheduled_publish_and_expiry_the_editor_can_still_save_a_draft(
    admin_client, library, clock
):
    # The steps of wagtail#13896: go live in one minute, expire in two, let both happen.
    review = schedule_review(
        library,
        clock.now + datetime.timedelta(minutes=1),
        expire_at=clock.now + datetime.timedelta(minutes=2),
    )
    clock.advance(minutes=1)
    run_tick()
    clock.advance(minutes=1)
    run_tick()
    review.refresh_from_db()
    assert not review.live and review.expired

    clock.advance(minutes=1)
    response = save_draft_from_edit_form(admin_client, review)

    assert response.status_code == 302, page_text(response)
    review.refresh_from_db()
    assert (review.go_live_at, review.expire_at) == (None, None)
    assert not review.live and review.get_latest_revision_as_object().expire_at is None


@pytest.mark.django_db
def test_a_manual_unpublish_keeps_a_future_expiry(library, clock):
    review = ReviewPageFactory(parent=library)
    review.expire_at = clock.now + datetime.timedelta(days=30)
    review.save_revision().publish()
    review.refresh_from_db()

    review.unpublish()

    review.refresh_from_db()
    assert review.expire_at == clock.now + datetime.timedelta(days=30)


# --- The loop: minute boundaries, database errors, stopping ---------------------------------


def test_ticks_fall_on_interval_boundaries():
    assert next_boundary(1_000_000_000.5, 60) == 1_000_000_020
    assert next_boundary(1_000_000_020.0, 60) == 1_000_000_080
    assert next_boundary(7.2, 5) == 10


class FakeTime:
    """A wall clock that moves only when the scheduler waits."""

    def __init__(self, now: float):
        self.now = now
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_the_loop_ticks_at_once_then_on_each_minute_until_stopped():
    fake = FakeTime(1_000_000_000.5)
    loop = Scheduler(clock=fake.clock, wait=fake.wait)
    ticked_at = []

    def tick():
        ticked_at.append(fake.now)
        if len(ticked_at) == 3:
            loop.stop()
        return Tick(now=timezone.now())

    with mock.patch.object(loop, "tick", side_effect=tick):
        loop.run()

    assert ticked_at == [1_000_000_000.5, 1_000_000_020, 1_000_000_080]


def test_a_database_error_is_retried_with_back_off_not_fatal(caplog):
    fake = FakeTime(1_000_000_000.0)
    loop = Scheduler(clock=fake.clock, wait=fake.wait)
    outcomes = [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        OperationalError("the database system is starting up"),
        Tick(now=timezone.now(), ran=True),
    ]

    with (
        mock.patch.object(scheduler, "run_tick", side_effect=outcomes) as run,
        mock.patch.object(scheduler.connections, "close_all") as close_all,
        mock.patch.object(scheduler, "close_old_connections"),
    ):
        tick = loop.tick_with_retries()

    assert tick.ran
    assert run.call_count == 4
    assert close_all.call_count == 3
    assert fake.waits == [1, 2, 4]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and "server closed the connection" in warnings[0]


@pytest.mark.django_db
def test_a_tick_cut_short_by_a_database_error_is_rolled_back_and_retried(library, clock):
    review = schedule_review(library, clock.now + datetime.timedelta(minutes=1))
    clock.advance(minutes=1)
    real_send = scheduler._send_tick_signal
    attempts = []

    def send(tick):
        # The database goes away after the review was published, before the tick commits.
        attempts.append(tick)
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_send(tick)

    waits = []

    with (
        mock.patch.object(scheduler, "_send_tick_signal", side_effect=send),
        # Closing connections would end the test's own transaction.
        mock.patch.object(scheduler.connections, "close_all"),
        mock.patch.object(scheduler, "close_old_connections"),
    ):
        Scheduler(wait=waits.append).tick_with_retries()

    review.refresh_from_db()
    assert len(attempts) == 2 and waits == [1]
    assert review.live and publish_count(review) == 1


@pytest.mark.django_db
def test_run_scheduler_once_fails_on_a_database_error_instead_of_waiting():
    with (
        mock.patch.object(run_scheduler, "run_tick", side_effect=OperationalError("refused")),
        pytest.raises(CommandError, match="refused"),
    ):
        call_command("run_scheduler", "--once")


# --- Real scheduler processes against PostgreSQL -------------------------------------------


def scheduler_env() -> dict[str, str]:
    """The environment that points a `manage.py` process at this test's database."""
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    url = f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # The dev settings with the test database: they log to the console (LOG_LEVEL).
    env.update(DATABASE_URL=url, LOG_LEVEL="DEBUG", DEBUG="0", PYTHONUNBUFFERED="1")
    return env


def start_scheduler(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler", *args],
        cwd=ROOT,
        env=scheduler_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def due_reviews(library, count: int) -> list[ReviewPage]:
    """Reviews whose go-live time has just passed, by the real clock the processes read."""
    real_now = timezone.now()
    with time_machine.travel(real_now - datetime.timedelta(minutes=10), tick=False):
        return [
            schedule_review(
                library, real_now - datetime.timedelta(seconds=30 + i), title=f"Due {i}"
            )
            for i in range(count)
        ]


def assert_published_exactly_once(reviews) -> None:
    for review in reviews:
        scheduled_id = review.latest_revision_id  # the revision the editor scheduled
        review.refresh_from_db()
        assert review.live, review.title
        assert review.live_revision_id == scheduled_id
        assert publish_count(review) == 1, review.title
        assert review.first_published_at == review.last_published_at, review.title


def wait_for_exit(processes, timeout: float) -> list[subprocess.Popen]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in processes if p.poll() is not None]
        if done:
            return done
        time.sleep(0.05)
    return []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_at_once_publish_each_review_exactly_once(library, restore_migration_data):
    reviews = due_reviews(library, 6)
    SchedulerHeartbeat.objects.create(name="scheduler")

    first, second = start_scheduler("--once"), start_scheduler("--once")
    try:
        # Holding the heartbeat row stops whichever scheduler gets the lock just before its
        # tick commits, so the other one provably tries while that tick is under way.
        with transaction.atomic():
            SchedulerHeartbeat.objects.select_for_update().get(name="scheduler")
            exited = wait_for_exit([first, second], timeout=60)
            assert len(exited) == 1, "one scheduler skips while the other holds the lock"
            [loser] = exited
            [winner] = [p for p in (first, second) if p is not loser]
            assert winner.poll() is None
        winner_out, _ = winner.communicate(timeout=60)
        loser_out, _ = loser.communicate(timeout=10)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()

    assert (winner.returncode, loser.returncode) == (0, 0), winner_out + loser_out
    assert "tick skipped: another scheduler holds the lock" in loser_out
    assert "published page" not in loser_out
    assert winner_out.count("published page") == len(reviews)
    assert_published_exactly_once(reviews)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_looping_schedulers_share_the_work_and_stop_cleanly_on_sigterm(
    library, restore_migration_data
):
    reviews = due_reviews(library, 4)

    processes = [start_scheduler("--interval", "1") for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            heartbeat = SchedulerHeartbeat.objects.filter(name="scheduler").first()
            if heartbeat and ReviewPage.objects.filter(live=True).count() == len(reviews):
                break
            time.sleep(0.2)
        time.sleep(2.5)  # a few more ticks on the same boundaries, with nothing left to do
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()

    assert [p.returncode for p in processes] == [0, 0], outputs
    assert all("scheduler stopped" in out for out in outputs)
    assert sum(out.count("published page") for out in outputs) == len(reviews)
    assert_published_exactly_once(reviews)
