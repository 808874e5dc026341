"""core.prepared's statements are planned once per connection on PostgreSQL, and only they.

The enroll POST's training query cost PostgreSQL three times as long to plan as to run, on
every POST of an enrollment storm. Prepared (server-side binding, psycopg's prepare), it is
planned once per connection; Django's own queries stay bound on the client (some of Wagtail's
admin queries fail with server-side binding). What a member sees must not change: the same
rows, the same refusal of a second enrollment.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from core import prepared
from members import enrollment as service
from members.models import Enrollment
from programs.models import TrainingPage

pytestmark = pytest.mark.django_db


def prepared_statements(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if fragment in row[0]]


def trainings_from(pk: int):
    return prepared.run(
        "tests.prepared.training", lambda pk: TrainingPage.objects.live().filter(pk=pk).order_by("path"), pk
    )


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite plans nothing here)")


def test_a_fixed_read_is_planned_once_per_connection_and_reads_as_before(postgresql, make_training):
    first, second = make_training(title="Pelatihan Jum'at & Ma'had"), make_training(title="Kelas Nur'aini")
    seen = [trainings_from(training.pk) for training in (first, second, first, second, first)]
    assert [[page.pk for page in found] for found in seen] == [[first.pk], [second.pk]] * 2 + [[first.pk]]
    assert seen[-1][0].title == "Pelatihan Jum'at & Ma'had"
    assert len(prepared_statements('"wagtailcore_page"."path"')) == 1  # one plan for every value


def test_djangos_own_queries_stay_bound_on_the_client(postgresql, make_training):
    training = make_training()
    for _ in range(5):
        trainings_from(training.pk)
        list(TrainingPage.objects.filter(pk=training.pk).values_list("title", flat=True))
    assert prepared_statements("programs_trainingpage")
    assert not prepared_statements('SELECT "programs_trainingpage"."title"')
    # The Wagtail admin's kind of query, which fails under server-side binding, still works after.
    titles = TrainingPage.objects.filter(title__startswith="Pelatihan").order_by("title").distinct().values("title")
    assert list(titles)


def test_a_second_enrollment_is_still_refused_by_the_database(postgresql, make_training, make_active_member):
    """The prepared INSERT's unique violation is still Django's IntegrityError (what enroll() turns
    into "already enrolled" when a double click gets past the refusal), and a second enrollment is
    still refused."""
    training = make_training(capacity=10)
    members = [make_active_member(full_name=f"Siti Nur'aini {n}") for n in range(prepared.PLANNED_AFTER + 2)]
    for member in members:  # past the point where the INSERT is prepared
        service.enroll(member=member, training=training)
    mine = Enrollment.objects.get(member=members[0], training=training)
    row = Enrollment(member=members[0], training=training, status=mine.status, requested_at=mine.requested_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.insert(row)
    assert prepared_statements('INSERT INTO "members_enrollment"')
    with pytest.raises(service.EnrollmentError) as refused:
        service.enroll(member=members[0], training=training)
    assert refused.value.code == "already_enrolled"
    assert Enrollment.objects.filter(member=members[0], training=training).count() == 1
