from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive (manage.py backup) into the database of DATABASE_URL and into "
        "MEDIA_ROOT. Both must be empty unless --replace is given. Run `manage.py migrate` afterwards "
        "when this code is newer than the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite a database that has tables and a media folder that has files.",
        )

    def handle(self, *args, archive, replace=False, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            manifest = backup_restore(archive=archive, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} (portal {manifest['versions']['portal']}): "
            f"the database {connection.settings_dict['NAME']} and {manifest['media']['files']} files "
            f"in {settings.MEDIA_ROOT}."
        )
