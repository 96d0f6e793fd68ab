"""Back up the database and the media files into a directory (see docs/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_core.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the site into DIRECTORY (created if missing; it must be empty): the "
        "PostgreSQL database (pg_dump), every media file (documents and images, from the "
        "folder or the S3 bucket) and a manifest of checksums. Restore with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Where to write this backup.")

    def handle(self, *args, directory, **options):
        try:
            backup(directory, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
