"""Load the demonstration reviews, themes, policy page and accessibility statement, creating
only what is missing."""

from argparse import ArgumentTypeError

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learning.demo_content.loader import COUNT_LABELS, DemoContentError, load_demo_content


def site_address(value: str) -> tuple[str, int]:
    hostname, _, port = value.rpartition(":")
    if not hostname or not port.isdigit():
        raise ArgumentTypeError("give a host name and a port, e.g. 127.0.0.1:8000")
    return hostname, int(port)


class Command(BaseCommand):
    help = (
        "Create the demonstration content (themes, publishing bodies, the review library, "
        "eight reviews with placeholder PDFs, the statutory duty page, and the accessibility "
        "statement, linked from the footer). Anything that already exists is left as it is, "
        "so running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-address",
            type=site_address,
            metavar="HOST:PORT",
            help="where the site is served (`make run`: 127.0.0.1:8000): the default site "
            "takes this address, for its canonical links, sitemap and feed, if it still has "
            "Wagtail's initial localhost:80",
        )

    def handle(self, *args, **options):
        quiet = options["verbosity"] < 1
        try:
            created = load_demo_content(
                stdout=None if quiet else self.stdout, site_address=options["site_address"]
            )
        except (DemoContentError, ValidationError) as error:
            raise CommandError(f"Demo content was not loaded: {error}") from error

        made = [
            f"{count} {singular if count == 1 else plural}"
            for key, (singular, plural) in COUNT_LABELS.items()
            if (count := created.get(key, 0))
        ]
        if made:
            self.stdout.write(self.style.SUCCESS("Demo content created: " + ", ".join(made) + "."))
        else:
            self.stdout.write("Demo content already present: nothing was created or changed.")
