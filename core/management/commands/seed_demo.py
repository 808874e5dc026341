from importlib import import_module, util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

# Lowest layer first: each app seeds on what the ones before it made.
PROJECT_APPS = ("core", "home", "news", "programs", "members", "tasks")


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
        # Each app seeds its own content in ``<app>/demo.py`` (found by name, so this command imports
        # no app); then each app's optional ``finish(seeded=...)`` links what apps above it made.
        modules = [
            import_module(f"{label}.demo")
            for label in PROJECT_APPS
            if apps.is_installed(label) and util.find_spec(f"{label}.demo") is not None
        ]
        with transaction.atomic():
            seeded = {
                module.__name__.partition(".")[0]: module.seed(log=self.log, accounts=accounts) for module in modules
            }
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(log=self.log, seeded=seeded)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"  {message}")
