# ruff: noqa  -- a profiling script run by hand: Django set up before its imports, terse on purpose
"""Seed a SQLite database at realistic size: seed_demo, bench/content.py add_content(200), 16 more trainings.

DATABASE_URL=sqlite:///$PWD/var/prof.sqlite3 .venv/bin/python bench/profile/seed.py $PWD
"""

import datetime
import os
import sys

tree = sys.argv[1]
sys.path[:0] = [tree, os.path.join(tree, "bench")]
os.chdir(tree)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django

django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
try:  # bench/content.py; a tree from before it (e.g. the baseline 13ddb45) had it in bench/pages.py
    from content import add_content
except ImportError:
    from pages import add_content

add_content(articles=200)
from django.utils import timezone

from programs.models import Partner, ProgramPage, TrainingPage

program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
partners = list(Partner.objects.all())
for n in range(16):
    starts_at = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) + datetime.timedelta(days=5 + 4 * n)
    training = TrainingPage(
        title=f"Kelas UMKM Lanjutan {n + 1}",
        slug=f"kelas-umkm-lanjutan-{n + 1}",
        summary="Pelatihan sehari bagi kader.",
        description="<p>Praktik langsung.</p>",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=7),
        venue_name="Aula Kantor PC NU Batubara",
        capacity=30,
    )
    training.partners = partners[:2]
    program.add_child(instance=training)
    training.save_revision().publish()
print("trainings in UMKM:", TrainingPage.objects.child_of(program).count())
