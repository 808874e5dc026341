from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def program(demo_site):
    """The demo program "Pemberdayaan UMKM Kader" (with its four trainings)."""
    from programs.models import ProgramPage

    return ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")


@pytest.fixture
def make_training(program):
    """Create and publish a training under the demo program; keyword arguments override fields."""
    from programs.models import TrainingPage

    counter = iter(range(1, 10_000))

    def make(parent=None, **fields):
        number = next(counter)
        starts_at = fields.pop("starts_at", (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0))
        values = {
            "title": f"Pelatihan Uji {number}",
            "slug": f"pelatihan-uji-{number}",
            "summary": "Pelatihan untuk pengujian.",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "venue_name": "Aula Kantor PC NU Batubara",
            "capacity": 25,
        }
        values.update(fields)
        training = TrainingPage(**values)
        (parent or program).add_child(instance=training)
        training.save_revision().publish()
        training.refresh_from_db()
        return training

    return make
