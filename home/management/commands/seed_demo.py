from importlib import import_module, util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

PROJECT_APPS = ("home", "news", "programs", "members", "tasks")


class Command(BaseCommand):
    help = (
        "Create the demo content of the branch: home page and site, site settings, districts, "
        "staff groups, and what each app adds in its own demo.py. Safe to run again: "
        "what already exists is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="Also create demo log-ins with known passwords (development only).",
        )

    def handle(self, *args, accounts=False, verbosity=1, **options):
        self.verbosity = verbosity
        # Each app seeds its own content in ``<app>/demo.py``, lowest layer first,
        # so that this command needs no import of the apps above ``home``.
        with transaction.atomic():
            for app_label in PROJECT_APPS:
                if not apps.is_installed(app_label) or util.find_spec(f"{app_label}.demo") is None:
                    continue
                import_module(f"{app_label}.demo").seed(log=self.log, accounts=accounts)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"  {message}")
