"""The publishing scheduler: publishes and expires due content once a minute.

`run_tick()` does one pass of what Wagtail's `publish_scheduled` command does, under a
PostgreSQL advisory lock, then lets other apps apply their own dates (the `scheduler_tick`
signal) and records the tick in `SchedulerHeartbeat`. `Scheduler` runs ticks on wall-clock
minute boundaries and keeps going through database outages. The `run_scheduler` management
command starts it; docs/scheduling.md explains the design and its trade-offs.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from wagtail.models import DraftStateMixin, Page, Revision

from site_core.publishing.models import SchedulerHeartbeat
from site_core.signals import scheduler_tick

logger = logging.getLogger(__name__)

# The key of the PostgreSQL advisory lock a tick holds: any other process asking for it is
# another scheduler of this site. An arbitrary constant ("SCHED" in ASCII).
LOCK_KEY = 0x5343484544

# What a database restart or a dropped connection raises. A tick that meets one is rolled
# back whole and tried again; anything else is a bug and is left to stop the process.
DATABASE_ERRORS = (OperationalError, InterfaceError)

DEFAULT_NAME = "scheduler"
MAX_BACKOFF = 30  # seconds between retries while the database is unreachable


@dataclass(frozen=True)
class Change:
    """One object the tick published or expired, for the log once the tick has committed."""

    action: str  # "published" or "expired"
    kind: str  # "page" or the model's label
    pk: int
    title: str
    url_path: str
    scheduled_at: datetime

    def log(self, live_at: datetime) -> None:
        lateness = (live_at - self.scheduled_at).total_seconds()
        logger.info(
            '%s %s id=%s title="%s" url_path=%s scheduled=%s actual=%s lateness=%.2fs',
            self.action,
            self.kind,
            self.pk,
            self.title,
            self.url_path or "-",
            self.scheduled_at.isoformat(),
            live_at.isoformat(),
            lateness,
        )


@dataclass
class Tick:
    """What one tick did. `ran` is False when another scheduler held the lock."""

    now: datetime
    since: datetime | None = None
    ran: bool = False
    changes: list[Change] = field(default_factory=list)
    failures: int = 0
    receivers_ok: bool = True
    committed_at: datetime | None = None


def scheduled_models() -> list[type]:
    """Pages and every other publishable model, as Wagtail's `publish_scheduled` finds them."""
    return [Page] + [
        model
        for model in apps.get_models()
        if issubclass(model, DraftStateMixin) and not issubclass(model, Page)
    ]


def run_tick(name: str = DEFAULT_NAME) -> Tick:
    """Publish and expire what is due, send `scheduler_tick`, record the heartbeat.

    The whole tick is one transaction, because the advisory lock that keeps a second
    scheduler out lasts as long as the transaction that took it: it is released by the
    commit, or by the rollback when the process dies mid-tick, so nothing is ever left
    half-done or locked. Each object is published or expired in its own savepoint, so one
    that fails is rolled back and logged without holding up the others. Database errors
    propagate: the caller retries the whole tick.
    """
    started = time.monotonic()
    with transaction.atomic():
        tick = Tick(now=timezone.now())
        if not _take_lock():
            logger.debug("tick skipped: another scheduler holds the lock")
            return tick
        tick.ran = True
        tick.since = (
            SchedulerHeartbeat.objects.filter(name=name)
            .values_list("last_tick_at", flat=True)
            .first()
        )
        _expire_due(tick)
        _publish_due(tick)
        tick.receivers_ok = _send_tick_signal(tick)
        if tick.receivers_ok:
            SchedulerHeartbeat.objects.update_or_create(
                name=name,
                defaults={
                    "last_tick_at": tick.now,
                    "host": f"{socket.gethostname()}:{os.getpid()}",
                },
            )
    # Readers see the changes from the commit on: that is the moment lateness is measured to.
    tick.committed_at = timezone.now()
    for change in tick.changes:
        change.log(tick.committed_at)
    logger.debug(
        "tick now=%s since=%s published=%d expired=%d failed=%d took=%.3fs",
        tick.now.isoformat(),
        tick.since.isoformat() if tick.since else "never",
        sum(c.action == "published" for c in tick.changes),
        sum(c.action == "expired" for c in tick.changes),
        tick.failures,
        time.monotonic() - started,
    )
    return tick


def _take_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _in_savepoint(tick: Tick, what: str, action: Callable[..., Change], *args) -> None:
    try:
        with transaction.atomic():
            change = action(*args)
    except DATABASE_ERRORS:
        raise
    except Exception:
        tick.failures += 1
        logger.exception("could not %s; rolled back, will try again next tick", what)
    else:
        tick.changes.append(change)


def _describe(obj, action: str, scheduled_at: datetime) -> Change:
    is_page = isinstance(obj, Page)
    return Change(
        action=action,
        kind="page" if is_page else obj._meta.label,
        pk=obj.pk,
        title=obj.title if is_page else str(obj),
        url_path=obj.url_path if is_page else "",
        scheduled_at=scheduled_at,
    )


def _expire_due(tick: Tick) -> None:
    for model in scheduled_models():
        due = model.objects.filter(live=True, expire_at__lte=tick.now).order_by("expire_at", "pk")
        # A list, so the query is done before anything changes under it.
        for obj in list(due):
            _in_savepoint(tick, f"expire {obj._meta.label} {obj.pk}", _expire, obj)


def _expire(obj) -> Change:
    change = _describe(obj, "expired", obj.expire_at)
    obj.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")
    return change


def _publish_due(tick: Tick) -> None:
    due = (
        Revision.objects.filter(approved_go_live_at__lte=tick.now)
        .select_related("content_type")
        .order_by("approved_go_live_at", "pk")
    )
    for revision in list(due):
        _in_savepoint(tick, f"publish revision {revision.pk}", _publish, revision)


def _publish(revision: Revision) -> Change:
    change = _describe(revision.as_object(), "published", revision.approved_go_live_at)
    # No user: the editor who scheduled it had the permission; Wagtail's own command
    # publishes the same way and logs the same action.
    revision.publish(log_action="wagtail.publish.scheduled")
    return change


def _send_tick_signal(tick: Tick) -> bool:
    """Let other apps apply their own dates; False if one of them failed.

    Their work shares one savepoint: a failure rolls all of it back and leaves the
    heartbeat where it was, so the next tick's `since` covers this window again.
    """
    try:
        with transaction.atomic():
            scheduler_tick.send(sender=Scheduler, now=tick.now, since=tick.since)
    except DATABASE_ERRORS:
        raise
    except Exception:
        logger.exception("a scheduler_tick receiver failed; its changes are rolled back")
        return False
    return True


def next_boundary(now: float, interval: int) -> float:
    """The first multiple of `interval` seconds since the epoch after `now`.

    With the default interval of 60 that is the next hh:mm:00: editors schedule in whole
    minutes, so ticking right on the minute publishes with almost no delay.
    """
    return (now // interval + 1) * interval


class Scheduler:
    """Runs ticks on interval boundaries until stopped, retrying through database errors.

    `stop()` (called from the SIGTERM and SIGINT handlers) lets a running tick finish, then
    the loop returns. `clock` and `wait` can be replaced in tests.
    """

    def __init__(
        self,
        *,
        interval: int = 60,
        name: str = DEFAULT_NAME,
        clock: Callable[[], float] = time.time,
        wait: Callable[[float], object] | None = None,
    ):
        self.interval = interval
        self.name = name
        self.clock = clock
        self._stopping = threading.Event()
        self.wait = wait or self._stopping.wait

    def stop(self, *args) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        """Tick now (catching up on anything that fell due while stopped), then on each boundary."""
        logger.info("scheduler started interval=%ds pid=%d", self.interval, os.getpid())
        while not self.stopping:
            self.tick_with_retries()
            self.sleep_until(next_boundary(self.clock(), self.interval))
        logger.info("scheduler stopped")

    def tick_with_retries(self) -> Tick | None:
        """One tick, tried again with growing pauses for as long as the database fails."""
        backoff = 1
        while not self.stopping:
            try:
                return self.tick()
            except DATABASE_ERRORS as error:
                logger.warning(
                    "tick failed on a database error, retrying in %ds: %s", backoff, error
                )
                connections.close_all()
                self.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF, self.interval)
        return None

    def tick(self) -> Tick:
        # As Django does around each request: drop connections past CONN_MAX_AGE or broken.
        close_old_connections()
        try:
            return run_tick(self.name)
        finally:
            close_old_connections()

    def sleep_until(self, target: float) -> None:
        # A timed wait can return early (a wall-clock adjustment): check the clock again.
        while not self.stopping:
            remaining = target - self.clock()
            if remaining <= 0:
                return
            self.wait(remaining)
