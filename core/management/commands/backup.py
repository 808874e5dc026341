from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create, backup_prune


class Command(BaseCommand):
    help = (
        "Write one backup archive (the database, the uploads and a manifest) into BACKUP_ROOT "
        "(or --output), and print its path. With --keep N, delete all but the newest N archives there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="The folder to write into (default: BACKUP_ROOT).")
        parser.add_argument("--keep", type=int, help="Keep only the newest N archives in the folder.")

    def handle(self, *args, output=None, keep=None, **options):
        directory = output or Path(settings.BACKUP_ROOT)
        try:
            archive = backup_create(directory=directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if keep is not None:
            for path in backup_prune(directory=directory, keep=keep):
                self.stderr.write(f"deleted the older {path}")
        self.stdout.write(str(archive))
