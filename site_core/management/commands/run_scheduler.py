"""Publish and expire scheduled content every minute, until stopped (see docs/scheduling.md)."""

import signal

from django.core.management.base import BaseCommand, CommandError

from site_core.publishing.scheduler import DATABASE_ERRORS, Scheduler, run_tick


class Command(BaseCommand):
    help = (
        "Run the publishing scheduler: publish and expire due pages and snippets on every "
        "minute boundary, so content goes live at most a minute after its go-live time. "
        "Runs until SIGTERM or Ctrl-C; --once runs a single tick."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=int,
            default=60,
            help="Seconds between ticks, aligned to the clock (60: on each minute). Default 60.",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run one tick now and exit (for cron or tests). Fails on a database error "
            "instead of retrying.",
        )

    def handle(self, *args, interval, once, **options):
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        if once:
            try:
                run_tick()
            except DATABASE_ERRORS as error:
                raise CommandError(f"The tick failed on a database error: {error}") from error
            return

        scheduler = Scheduler(interval=interval)
        # Both stop the loop between ticks: a tick under way finishes and commits first.
        previous = {
            sig: signal.signal(sig, scheduler.stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            scheduler.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
