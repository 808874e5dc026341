"""manage.py import_members FILE [--dry-run]: existing members from a CSV or XLSX spreadsheet."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members import imports


def progress_bar(stream, label: str):
    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


class Command(BaseCommand):
    help = "Import members from a spreadsheet with a header row; rows already present are skipped."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and import nothing.")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        verbosity = options["verbosity"]
        progress = progress_bar(sys.stderr, "Memeriksa") if verbosity >= 1 else None
        try:
            with path.open("rb") as handle:
                result = imports.import_members(file=handle, filename=path.name, dry_run=dry_run, progress=progress)
        except imports.ImportFileError as error:
            raise CommandError(str(error.message)) from error
        for error in result.errors:
            self.stderr.write(f"Baris {error.row}: {'; '.join(error.reasons)}")
        summary = (
            f"{result.total} baris dibaca, {result.valid} valid, {len(result.errors)} bermasalah (dilewati), "
            f"{result.existing} sudah menjadi anggota (dilewati), "
        )
        if dry_run:
            summary += f"{result.would_create} akan diimpor. Uji coba: tidak ada yang diimpor."
        else:
            summary += f"{result.created} diimpor dan diundang."
        self.stdout.write(summary)
