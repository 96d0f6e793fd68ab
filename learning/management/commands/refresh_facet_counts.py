"""Count every library's facets again (learning/facet_counts.py)."""

import time

from django.core.management.base import BaseCommand

from learning.facet_counts import refresh


class Command(BaseCommand):
    help = (
        "Count again how many live, public reviews each library, and each of its theme "
        "pages, has by theme, type, year and publishing body: the numbers the unfiltered "
        "library shows. The site keeps them in step by itself when content is published, "
        "unpublished, moved, made private or deleted, and the scheduler checks them every "
        "minute; run this after changing reviews outside Wagtail (a script, SQL, a restored "
        "table) not to wait for it."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        refreshed = refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Counted the facets of {refreshed.libraries} "
                f"{'library' if refreshed.libraries == 1 else 'libraries'}: "
                f"{refreshed.rows} rows, {refreshed.changed} changed, "
                f"in {(time.monotonic() - started) * 1000:.0f} ms."
            )
        )
