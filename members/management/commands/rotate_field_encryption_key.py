from django.core.management.base import BaseCommand, CommandError

from members import nik


class Command(BaseCommand):
    help = (
        "Encrypt and hash every stored NIK again under FIELD_ENCRYPTION_KEY, reading the old ones with "
        "FIELD_ENCRYPTION_KEY_FALLBACKS; afterwards the fallbacks can be removed. Safe to run again."
    )

    def handle(self, *args, **options):
        if not nik.nik_enabled():
            raise CommandError("FIELD_ENCRYPTION_KEY is not set: there is no key to rotate to.")
        rewritten, unreadable = nik.nik_key_rotate()
        self.stdout.write(self.style.SUCCESS(f"{rewritten} NIK(s) now under the current key."))
        if unreadable:
            raise CommandError(
                f"{unreadable} NIK(s) could be read with none of the keys (a key lost?): left as they were."
            )
