"""The calendars: <training url>kalender.ics and /program/kalender.ics, read back with icalendar."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from core.clock import WIB

pytestmark = pytest.mark.django_db


def fetch_calendar(client, url) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def only_event(calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def publish_change(training, **fields):
    from programs.models import TrainingPage

    page = TrainingPage.objects.get(pk=training.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def test_training_calendar_has_the_event_in_jakarta_time(client, demo_site):
    from programs.models import TrainingPage

    training = TrainingPage.objects.get(slug="tata-rias-untuk-perempuan")
    calendar = fetch_calendar(client, f"{training.url}kalender.ics")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    event = only_event(calendar)
    assert event.decoded("DTSTART") == training.starts_at
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert event["DTEND"].params["TZID"] == "Asia/Jakarta"
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=7)
    assert str(event["SUMMARY"]) == "Tata Rias untuk Perempuan"
    assert "Aula Kantor PC NU Batubara" in str(event["LOCATION"])
    assert "Khusus perempuan" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith("/program/pemberdayaan-umkm-kader/tata-rias-untuk-perempuan/")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"training-{training.pk}@127.0.0.1"


def test_uid_stays_and_sequence_rises_only_when_time_venue_or_status_change(client, make_training):
    training = make_training()
    url = f"{training.url}kalender.ics"
    first = only_event(fetch_calendar(client, url))
    assert first["SEQUENCE"] == 0

    publish_change(training, title="Pelatihan Uji (judul baru)", summary="Ringkasan baru.")
    renamed = only_event(fetch_calendar(client, url))
    assert renamed["UID"] == first["UID"]
    assert renamed["SEQUENCE"] == 0
    assert str(renamed["SUMMARY"]) == "Pelatihan Uji (judul baru)"

    moved = publish_change(
        training, starts_at=training.starts_at + timedelta(days=1), ends_at=training.ends_at + timedelta(days=1)
    )
    after_move = only_event(fetch_calendar(client, url))
    assert after_move["UID"] == first["UID"]
    assert after_move["SEQUENCE"] == 1
    assert after_move.decoded("DTSTART") == moved.starts_at

    publish_change(training, venue_name="Gedung Serbaguna Lima Puluh")
    assert only_event(fetch_calendar(client, url))["SEQUENCE"] == 2


def test_sequence_survives_publishing_an_older_revision_content(client, make_training):
    """The counter lives outside the page: a publish (which rewrites page fields) cannot lower it."""
    training = make_training()
    moved = publish_change(training, starts_at=training.starts_at + timedelta(hours=1))
    publish_change(moved, title="Judul lain")
    assert only_event(fetch_calendar(client, f"{training.url}kalender.ics"))["SEQUENCE"] == 1


def test_cancelled_training_is_cancelled_in_the_calendar(client, make_training):
    training = make_training()
    url = f"{training.url}kalender.ics"
    publish_change(training, status="cancelled", status_reason="Narasumber berhalangan hadir.")
    event = only_event(fetch_calendar(client, url))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert "Narasumber berhalangan hadir." in str(event["DESCRIPTION"])


def test_program_calendar_lists_every_upcoming_training_soonest_first(client, demo_site, make_training):
    from programs.models import TrainingPage

    past = make_training(starts_at=timezone.now() - timedelta(days=2))
    calendar = fetch_calendar(client, "/program/kalender.ics")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    events = calendar.walk("VEVENT")
    upcoming = TrainingPage.objects.filter(ends_at__gt=timezone.now()).order_by("starts_at")
    assert [str(event["SUMMARY"]) for event in events] == [t.title for t in upcoming]
    assert len(events) == 4
    assert past.title not in [str(event["SUMMARY"]) for event in events]
    assert len({str(event["UID"]) for event in events}) == 4
    for event in events:
        assert event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DTSTART").astimezone(WIB).hour in range(7, 12)


def test_calendar_of_an_unknown_page_is_a_404(client, demo_site):
    assert client.get("/program/tidak-ada/kalender.ics").status_code == 404
    assert client.get("/kalender.ics").status_code == 404


def test_unpublished_training_has_no_calendar(client, make_training):
    training = make_training()
    url = f"{training.url}kalender.ics"
    training.unpublish()
    assert client.get(url).status_code == 404


def test_every_calendar_carries_the_vtimezone_icalendar_would_generate(client, demo_site, make_training):
    """The zone's VTIMEZONE is built once and shared: each file holds it whole, as icalendar makes it."""
    from programs.ical import build_calendar
    from programs.models import TrainingPage

    first, second = TrainingPage.objects.get(slug="tata-rias-untuk-perempuan"), make_training()
    files = [build_calendar([training], name=training.title) for training in (first, second, first)]
    for calendar in files:
        generated = Calendar.from_ical(calendar.to_ical())
        generated.subcomponents = [part for part in generated.subcomponents if part.name != "VTIMEZONE"]
        generated.add_missing_timezones()
        assert calendar.to_ical() == generated.to_ical()
        assert [zone.tz_name for zone in calendar.timezones] == ["Asia/Jakarta"]
    fetched = fetch_calendar(client, first.url + "kalender.ics")
    assert [zone.tz_name for zone in fetched.timezones] == ["Asia/Jakarta"]
