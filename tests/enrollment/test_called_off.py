"""A training the branch cancelled or postponed, as the enrolled member meets it: the dashboard and the page.

It must read as cancelled or postponed (its own words, its colour, the reason), and offer none
of what belongs to a training that will happen: no check-in code, no calendar link, no cancel
button; and the cancel URL itself refuses.
"""

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from members import enrollment as service
from members.models import Enrollment
from tests.people import JUMAT, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db

REASON = "Aula Ma'had Al-Ma'arif dipakai untuk Jum'at & Sabtu"


def publish(training, **changes):
    for name, value in changes.items():
        setattr(training, name, value)
    training.save_revision().publish()
    training.refresh_from_db()


def logged_in(person) -> Client:
    client = Client()
    assert client.login(email=person.email, password=PASSWORD)
    return client


def rows(html: str) -> dict:
    """The dashboard's upcoming trainings, by title."""
    soup = BeautifulSoup(html, "html.parser")
    return {row.h3.get_text(strip=True): row for row in soup.select("ul.my-trainings > li.my-training")}


@pytest.fixture
def three_trainings(make_training, make_person):
    """Nur'aini holds a seat in three trainings; the branch cancels one and postpones another."""
    member = make_person(NURAINI)
    running = make_training(title="Kopi & Kue: Usaha Rumahan")
    cancelled = make_training(title="Tata Boga Jum'at Berkah")
    postponed = make_training(title="Tenun Ma'had Al-Ma'arif")
    for training in (running, cancelled, postponed):
        assert service.enroll(member=member, training=training).status == Enrollment.Status.CONFIRMED
    publish(cancelled, status="cancelled", status_reason=REASON)
    publish(postponed, status="postponed", status_reason="")
    return SimpleNamespace(member=member, running=running, cancelled=cancelled, postponed=postponed)


def test_dashboard_reads_cancelled_and_postponed_as_such_without_code_calendar_or_cancel(three_trainings):
    t = three_trainings
    html = logged_in(NURAINI).get("/anggota/").content.decode()
    by_title = rows(html)
    assert set(by_title) == {t.running.title, t.cancelled.title, t.postponed.title}

    gone = by_title[t.cancelled.title]
    status = gone.select_one(".my-status")
    assert status.get_text(strip=True) == "Dibatalkan oleh pengurus cabang"
    assert "my-status--training_cancelled" in status["class"]  # red, not the green of "confirmed"
    assert "Terkonfirmasi" not in gone.get_text()
    assert gone.select_one(".my-training__reason").get_text(strip=True) == f"Alasan: {REASON}"
    assert gone.select("svg, details.checkin") == []
    assert gone.select(f"a[href='{t.cancelled.calendar_url}']") == []
    assert gone.select("a[href*='/batal/'], form") == []

    later = by_title[t.postponed.title]
    status = later.select_one(".my-status")
    assert status.get_text(strip=True).startswith("Ditunda oleh pengurus cabang")
    assert "my-status--training_postponed" in status["class"]
    assert later.select_one(".my-training__reason") is None  # no reason given, none shown
    assert later.select("svg, details.checkin") == []
    assert later.select(f"a[href='{t.postponed.calendar_url}']") == []
    assert later.select("a[href*='/batal/'], form") == []

    # The training that still runs keeps everything.
    kept = by_title[t.running.title]
    assert kept.select_one(".my-status").get_text(strip=True) == "Terkonfirmasi"
    assert "my-status--confirmed" in kept.select_one(".my-status")["class"]
    assert kept.select("details.checkin svg")
    assert kept.select(f"a[href='{t.running.calendar_url}']")
    assert kept.select(f"a[href='/anggota/pelatihan/{t.running.pk}/batal/?next=/anggota/']")


def test_training_page_tells_the_enrolled_member_it_was_cancelled_and_offers_no_cancel(three_trainings):
    t = three_trainings
    client = logged_in(NURAINI)
    panel = BeautifulSoup(client.get(t.cancelled.url).content, "html.parser").select_one("#pendaftaran")
    assert "Anda terdaftar di pelatihan ini, tetapi pengurus cabang telah membatalkannya." in panel.get_text()
    assert "Anda terdaftar sebagai peserta" not in panel.get_text()
    assert panel.select("a[href*='/batal/'], form") == []
    assert "Batas waktu pembatalan sudah lewat" not in panel.get_text()  # not the reason here


def test_cancelling_a_cancelled_or_postponed_training_is_refused_and_changes_nothing(three_trainings, mailoutbox):
    t = three_trainings
    client = logged_in(NURAINI)
    mailoutbox.clear()
    page = client.get(f"/anggota/pelatihan/{t.postponed.pk}/batal/").content.decode()
    assert "Anda dapat membatalkan setelah tanggal barunya ditetapkan" in page
    assert "Ya, batalkan pendaftaran saya" not in page
    for training in (t.cancelled, t.postponed):
        response = client.post(f"/anggota/pelatihan/{training.pk}/batal/", follow=True)
        assert response.status_code == 200
        assert "Pengurus cabang telah" in response.content.decode()
    assert set(Enrollment.objects.filter(member=t.member).values_list("status", flat=True)) == {"confirmed"}
    assert mailoutbox == []


def test_service_row_says_what_may_be_shown(three_trainings, make_person, make_training):
    t = three_trainings
    upcoming, _ = service.member_trainings(member=t.member)
    shown = {
        item.training.pk: (item.reads_as, item.shows_checkin, item.shows_calendar, item.may_cancel) for item in upcoming
    }
    assert shown == {
        t.running.pk: ("confirmed", True, True, True),
        t.cancelled.pk: ("training_cancelled", False, False, False),
        t.postponed.pk: ("training_postponed", False, False, False),
    }
    # Someone waiting for a seat in a cancelled training: no longer "waiting list, position 1".
    full = make_training(capacity=1, title='Abon Ikan "Jum\'at" & Sons')
    service.enroll(member=make_person(JUMAT), training=full)
    waiting = service.enroll(member=t.member, training=full)
    publish(full, status="cancelled", status_reason="")
    item = service.my_training(enrollment=Enrollment.objects.get(pk=waiting.pk))
    assert (item.reads_as, item.shows_calendar, item.may_cancel) == ("training_cancelled", False, False)
