"""Restore the database and the media files from a backup directory (see docs/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_core.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the site from a backup made by `backup`: checks every checksum first, then "
        "restores the database (pg_restore, in one transaction) and the media files. "
        "Refuses a database or media storage that is not empty unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="The backup to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what the database and the media storage hold with the backup. Stop "
            "the web processes and the scheduler first.",
        )

    def handle(self, *args, directory, force, **options):
        try:
            restore(directory, force=force, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
