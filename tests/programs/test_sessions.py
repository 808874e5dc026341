"""A training over several days: each day a session with its own times; the page's span follows them,
publishing never loses a day's row, and the page, the calendar and the emails show every day."""

from datetime import datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from core.clock import WIB
from programs.models import TrainingPage, TrainingSession
from tests.admin_forms import current_days, session_fields

pytestmark = pytest.mark.django_db

DAY_ONE = datetime(2030, 12, 14, 8, 30, tzinfo=WIB)  # a Saturday
DAY_TWO = datetime(2030, 12, 15, 9, 0, tzinfo=WIB)
DAY_ONE_END = datetime(2030, 12, 14, 16, 0, tzinfo=WIB)


def two_days(make_training, **fields):
    return make_training(
        title="Pelatihan Pemasaran Digital Dua Hari",
        sessions=[
            ("session", {"starts_at": DAY_ONE, "ends_at": DAY_ONE_END}),
            ("session", {"starts_at": DAY_TWO, "ends_at": DAY_TWO.replace(hour=12)}),
        ],
        **fields,
    )


def rows(training):
    return list(TrainingSession.objects.filter(training=training).order_by("starts_at"))


def test_a_training_made_with_a_start_and_an_end_has_one_session_and_its_row(make_training):
    training = make_training()
    (day,) = training.days
    assert (day.starts_at, day.ends_at) == (training.starts_at, training.ends_at)
    (row,) = rows(training)
    assert str(row.key) == day.key and row.number == 1 and not row.withdrawn


def test_the_span_is_the_first_start_and_the_last_end(make_training):
    training = two_days(make_training, starts_at=DAY_TWO + timedelta(days=30))  # the days decide
    assert training.starts_at == DAY_ONE and training.ends_at == DAY_TWO.replace(hour=12)
    assert [row.number for row in rows(training)] == [1, 2]


def test_moving_a_one_day_training_in_code_moves_its_day(make_training):
    training = make_training(starts_at=DAY_ONE, ends_at=DAY_ONE_END)
    (row,) = rows(training)
    revision = training.get_latest_revision_as_object()
    revision.starts_at, revision.ends_at = DAY_TWO, DAY_TWO.replace(hour=15)
    revision.save_revision().publish()
    training.refresh_from_db()
    assert [(day.starts_at, day.ends_at) for day in training.days] == [(DAY_TWO, DAY_TWO.replace(hour=15))]
    assert rows(training) == [row]  # the same row, moved
    assert rows(training)[0].starts_at == DAY_TWO


@pytest.fixture
def editor_client(client, demo_site, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="redaksi@example.org", password="x"))
    return client


def publish_days(client, training, days):
    from wagtail.test.utils.form_data import querydict_from_html

    url = reverse("wagtailadmin_pages:edit", args=[training.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    data.update(session_fields(days))
    data["action-publish"] = "action-publish"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return TrainingPage.objects.get(pk=training.pk)


def test_an_editor_adds_a_second_day_and_publishing_keeps_each_days_row(editor_client, make_training):
    training = make_training(starts_at=DAY_ONE, ends_at=DAY_ONE_END)
    (first,) = rows(training)
    days = [*current_days(training), ("2030-12-15 09:00", "2030-12-15 12:00", "")]
    training = publish_days(editor_client, training, days)
    assert training.starts_at == DAY_ONE and training.ends_at == DAY_TWO.replace(hour=12)
    kept, second = rows(training)
    assert kept.pk == first.pk and second.number == 2

    # The second day moves to the afternoon, the title changes: both rows stay what they were.
    days = current_days(training)
    days[1] = ("2030-12-15 13:00", "2030-12-15 17:00", days[1][2])
    training = publish_days(editor_client, training, days)
    assert [row.pk for row in rows(training)] == [first.pk, second.pk]
    assert rows(training)[1].starts_at == DAY_TWO.replace(hour=13)

    # The second day is removed: its row stays (attendance on it is never lost), withdrawn.
    training = publish_days(editor_client, training, current_days(training)[:1])
    assert [(row.pk, row.withdrawn) for row in rows(training)] == [(first.pk, False), (second.pk, True)]
    assert training.ends_at == DAY_ONE_END


def test_the_page_lists_every_day(client, make_training):
    training = two_days(make_training)
    with translation.override("id"):
        html = client.get(training.url).content.decode()
    assert "Hari 1: Sabtu, 14 Desember 2030, 08.30–16.00 WIB" in html  # noqa: RUF001
    assert "Hari 2: Minggu, 15 Desember 2030, 09.00–12.00 WIB" in html  # noqa: RUF001


def test_the_calendar_has_one_event_per_day(client, make_training):
    training = two_days(make_training)
    calendar = Calendar.from_ical(client.get(training.calendar_url).content)
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("dtstart"))
    assert [event.decoded("dtstart") for event in events] == [DAY_ONE, DAY_TWO]
    assert [event.decoded("dtend") for event in events] == [DAY_ONE_END, DAY_TWO.replace(hour=12)]
    uids = [str(event["uid"]) for event in events]
    assert uids[0] == f"training-{training.pk}@{uids[0].split('@')[1]}" and len(set(uids)) == 2
    assert "(hari 2 dari 2)" in str(events[1]["summary"])


def test_the_emails_say_every_day(make_training, make_person, smtp_server):
    from members import enrollment
    from tasks import outbox
    from tasks.models import Notification
    from tests.people import NURAINI

    training = two_days(make_training)
    enrollment.enroll(member=make_person(NURAINI, language="id"), training=training)
    enrollment.follow_up_pending()  # the worker's job after the commit: the email recorded
    (row,) = Notification.objects.filter(kind="enrollment_confirmed")
    outbox.deliver(notification_id=row.pk)
    (message,) = smtp_server.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hari 1: Sabtu, 14 Desember 2030, 08.30–16.00 WIB" in text  # noqa: RUF001
    assert "Hari 2: Minggu, 15 Desember 2030, 09.00–12.00 WIB" in text  # noqa: RUF001
    (calendar,) = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar.get_content().count("BEGIN:VEVENT") == 2


def test_the_data_migration_gives_each_training_one_session_in_its_row_and_revisions(make_training):
    """Trainings made before sessions: the page row, every revision and a row share one block id."""
    import importlib

    from wagtail.models import Revision

    migration = importlib.import_module("programs.migrations.0006_one_session_per_training")
    training = make_training(starts_at=DAY_ONE, ends_at=DAY_ONE_END)
    TrainingSession.objects.all().delete()
    TrainingPage.objects.update(sessions=[])
    for revision in Revision.objects.filter(object_id=str(training.pk)):
        revision.content.pop("sessions", None)
        revision.save(update_fields=["content"])

    migration.one_session_each(django_apps, None)

    training.refresh_from_db()
    (day,) = training.days
    assert (day.starts_at, day.ends_at) == (DAY_ONE, DAY_ONE_END)
    (row,) = rows(training)
    assert str(row.key) == day.key
    latest = training.get_latest_revision_as_object()
    assert [d.key for d in latest.days] == [day.key]


def test_a_check_in_after_midnight_is_for_the_night_session_being_held(make_training):
    """A two-night "Malam Bina Iman" from 20:00 to 02:00: at 00:40 the scanner and the check-ins
    count the night still being held, not the one that starts that evening."""
    from programs import sessions

    first_night = datetime(2030, 12, 13, 20, 0, tzinfo=WIB)  # a Friday: Jum'at night
    training = make_training(
        title="Malam Bina Iman Jum'at & Sabtu",
        sessions=[
            ("session", {"starts_at": night, "ends_at": night + timedelta(hours=6)})
            for night in (first_night, first_night + timedelta(days=1))
        ],
    )
    first, second = rows(training)

    def current(moment):
        return sessions.current_session(training=training, now=moment)

    assert current(first_night.replace(hour=19)) == first  # before it starts: today's
    assert current(first_night + timedelta(hours=4, minutes=40)) == first  # 00:40, the night being held
    assert current(first_night + timedelta(hours=13)) == second  # Saturday 09:00: tonight's
    assert current(first_night + timedelta(days=1, hours=5)) == second
    assert current(first_night + timedelta(days=3)) == second  # after both: the last
    assert current(first_night - timedelta(days=3)) == first  # days before: the next
