"""Enrollment through HTTP, as members use it: the training page, the buttons, the dashboard."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from members import attendance
from members import enrollment as service
from members.models import Enrollment, Member

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


def page(client, training) -> str:
    response = client.get(training.url)
    assert response.status_code == 200
    return response.content.decode()


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_anonymous_visitor_is_asked_to_log_in_and_sees_seats_left(client, make_training):
    training = make_training(capacity=20)
    html = page(client, training)
    assert "Sisa kursi: 20" in html
    assert f"/akun/login/?next={training.url}" in html
    assert "Masuk untuk mendaftar" in html


def test_anonymous_post_goes_to_login_and_changes_nothing(client, make_training):
    training = make_training()
    response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")
    assert not Enrollment.objects.exists()


def test_member_enrolls_from_the_training_page_and_sees_the_confirmation(make_training, make_active_member):
    training = make_training(capacity=20)
    client = logged_in(make_active_member())
    assert "Daftar sekarang" in page(client, training)

    response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/", follow=True)
    html = response.content.decode()
    assert "Kursi Anda sudah terkonfirmasi" in html
    assert "Anda terdaftar sebagai peserta pelatihan ini." in html
    assert "Sisa kursi: 19" in html
    assert "Batalkan pendaftaran saya" in html
    assert Enrollment.objects.get().status == Status.CONFIRMED


def test_full_training_offers_the_waiting_list_and_tells_the_position(make_training, make_active_member):
    training = make_training(capacity=1)
    service.enroll(member=make_active_member(), training=training)
    client = logged_in(make_active_member())
    html = page(client, training)
    assert "daftar tunggu dibuka" in html
    assert "Masuk daftar tunggu" in html
    client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
    assert "Anda berada di daftar tunggu, urutan ke-1." in page(client, training)


def test_each_kind_of_member_is_told_what_stands_in_the_way(make_training, make_active_member):
    training = make_training(gender="women")
    cases = {
        "Keanggotaan Anda sedang menunggu verifikasi": make_active_member(status=Member.Status.PENDING),
        "Keanggotaan Anda ditangguhkan": make_active_member(status=Member.Status.SUSPENDED),
        "Lengkapi profil Anda sebelum mendaftar": make_active_member(gender="female", village=""),
        "Pelatihan ini khusus untuk perempuan.": make_active_member(gender="male"),
    }
    for message, member in cases.items():
        html = page(logged_in(member), training)
        assert message in html, message
        assert "Daftar sekarang" not in html
    assert "Daftar sekarang" in page(logged_in(make_active_member(gender="female")), training)


def test_closed_or_cancelled_trainings_offer_no_button(make_training, make_active_member):
    client = logged_in(make_active_member())
    closed = make_training(enrollment_closes_at=timezone.now() - timedelta(minutes=1))
    assert "Pendaftaran ditutup" in page(client, closed)
    cancelled = make_training(status="cancelled", status_reason="Gedung sedang direnovasi.")
    html = page(client, cancelled)
    assert "Gedung sedang direnovasi." in html
    assert "Daftar sekarang" not in html
    response = client.post(f"/anggota/pelatihan/{cancelled.pk}/daftar/", follow=True)
    assert "Pelatihan ini dibatalkan." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_cancelling_from_the_page_frees_the_seat_for_the_next_in_line(make_training, make_active_member):
    training = make_training(capacity=1)
    first, second = make_active_member(), make_active_member()
    service.enroll(member=first, training=training)
    service.enroll(member=second, training=training)
    response = logged_in(first).post(f"/anggota/pelatihan/{training.pk}/batal/", follow=True)
    assert "Pendaftaran Anda sudah dibatalkan." in response.content.decode()
    assert Enrollment.objects.get(member=second).status == Status.CONFIRMED
    assert "Anda terdaftar sebagai peserta pelatihan ini." in page(logged_in(second), training)


def test_a_member_cannot_act_on_another_members_enrollment(make_training, make_active_member):
    training = make_training()
    owner, intruder = make_active_member(), make_active_member()
    mine = service.enroll(member=owner, training=training)
    response = logged_in(intruder).post(f"/anggota/pelatihan/{training.pk}/batal/")
    assert response.status_code == 404
    assert Enrollment.objects.get(pk=mine.pk).status == Status.CONFIRMED


def test_enroll_and_cancel_need_post_and_a_csrf_token(make_training, make_active_member):
    training = make_training()
    member = make_active_member()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.get(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 405
    assert client.post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 403
    assert not Enrollment.objects.exists()


def test_unknown_or_unpublished_training_is_404(make_training, make_active_member):
    training = make_training()
    training.unpublish()
    client = logged_in(make_active_member())
    assert client.post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 404
    assert client.post("/anggota/pelatihan/999999/daftar/").status_code == 404


def test_dashboard_lists_upcoming_and_past_trainings(make_training, make_active_member, staff_user):
    member = make_active_member()
    full = make_training(capacity=1, title="Digital Marketing Lanjutan")
    service.enroll(member=make_active_member(), training=full)
    service.enroll(member=member, training=full)
    confirmed = make_training(title="Pengolahan Abon Ikan")
    service.enroll(member=member, training=confirmed)
    past = make_training(title="Tata Rias Dasar", starts_at=timezone.now() + timedelta(hours=30))
    attended = service.enroll(member=member, training=past)
    attendance.mark_attended(enrollment=attended, by=staff_user)
    Enrollment.objects.filter(pk=attended.pk).update()  # the training itself moves into the past:
    past.starts_at, past.ends_at = timezone.now() - timedelta(days=3), timezone.now() - timedelta(days=3, hours=-6)
    past.save_revision().publish()

    html = logged_in(member).get("/anggota/").content.decode()
    assert "Digital Marketing Lanjutan" in html
    assert "Daftar tunggu, urutan ke-1" in html
    assert "Pengolahan Abon Ikan" in html
    assert "Terkonfirmasi" in html
    assert "Pelatihan yang sudah lewat" in html
    assert "hadir" in html
    assert confirmed.calendar_url in html


def test_private_calendar_subscription_lists_the_members_trainings(client, make_training, make_active_member):
    member = make_active_member()
    training = make_training(title="Digital Marketing untuk UMKM")
    make_training(title="Pelatihan Lain")
    service.enroll(member=member, training=training)
    response = client.get(f"/anggota/kalender/{member.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Digital Marketing untuk UMKM"]
    assert client.get("/anggota/kalender/bukan-token-yang-benar.ics").status_code == 404


def test_data_export_includes_enrollments(make_training, make_active_member):
    member = make_active_member()
    service.enroll(member=member, training=make_training(title="Digital Marketing"))
    data = json.loads(logged_in(member).get("/anggota/data/").content)
    assert [(row["training"], row["status"]) for row in data["enrollments"]] == [("Digital Marketing", "confirmed")]


def test_deleting_the_account_frees_seats_and_keeps_attendance_anonymous(make_training, make_active_member, staff_user):
    member, waiting = make_active_member(), make_active_member()
    upcoming = make_training(capacity=1)
    service.enroll(member=member, training=upcoming)
    service.enroll(member=waiting, training=upcoming)
    past = make_training()
    attendance.mark_attended(enrollment=service.enroll(member=member, training=past), by=staff_user)

    client = logged_in(member)
    response = client.post("/anggota/hapus/", {"password": "x", "confirm": "on"})
    assert response.status_code == 302
    assert Enrollment.objects.get(member=waiting).status == Status.CONFIRMED
    kept = Enrollment.objects.get(training=past)
    assert kept.attended is True
    assert kept.member.full_name == ""
    assert kept.member.user is None


def test_dashboard_shows_the_check_in_code_of_confirmed_trainings_only(make_training, make_active_member):
    member = make_active_member()
    service.enroll(member=member, training=make_training(capacity=1))
    service.enroll(member=make_active_member(), training=(full := make_training(capacity=1)))
    service.enroll(member=member, training=full)
    html = logged_in(member).get("/anggota/").content.decode()
    assert html.count("<svg") == 1
    assert "Tampilkan kode presensi saya" in html


def test_after_enrolling_the_member_is_back_at_the_panel_of_the_page_they_clicked_on(make_training, make_active_member):
    """Back where the browser says the member clicked (its ``Referer``) when that is this site's
    page, else on the training's own page; never on another site, however the header is made."""
    training, other = make_training(), make_training()
    path = f"/anggota/pelatihan/{training.pk}/daftar/"
    came_from = {
        f"http://testserver{training.url}": training.url,
        f"http://testserver{training.url}?utm_source=poster": f"{training.url}?utm_source=poster",
        f"http://testserver{other.url}": other.url,  # a page of this site: where they were
        f"https://evil.example{training.url}": training.url,
        "http://testserver//evil.example/": training.url,
        "http://testserver/\\evil.example/": training.url,
        "javascript:alert(1)": training.url,
        "": training.url,
    }
    for referer, back in came_from.items():
        client = logged_in(make_active_member(full_name="Nur'aini Siregar"))
        response = client.post(path, headers={"referer": referer} if referer else {})
        assert response.status_code == 302, referer
        assert response["Location"] == back + "#pendaftaran", referer
    assert Enrollment.objects.filter(training=training).count() == len(came_from)


def test_a_training_under_a_view_restriction_takes_no_enrollment(make_training, make_active_member, program):
    """The enroll POST finds the training with the restrictions checked in the same query
    (core.visibility.public_alone): restricted on the training or on a page above it, a 404."""
    from wagtail.models import PageViewRestriction

    own, below, open_one = make_training(), make_training(), make_training()
    PageViewRestriction.objects.create(page=own, restriction_type=PageViewRestriction.PASSWORD, password="rahasia")
    client = logged_in(make_active_member())
    assert client.post(f"/anggota/pelatihan/{own.pk}/daftar/").status_code == 404
    assert client.post(f"/anggota/pelatihan/{open_one.pk}/daftar/").status_code == 302
    PageViewRestriction.objects.create(page=program, restriction_type=PageViewRestriction.LOGIN)
    assert client.post(f"/anggota/pelatihan/{below.pk}/daftar/").status_code == 404
    assert list(Enrollment.objects.values_list("training_id", flat=True)) == [open_one.pk]


def test_the_enroll_post_reads_the_trainings_districts_with_it(make_training, make_active_member):
    """The district rule holds when the training's districts come with its own query."""
    from core.models import District

    talawi, other = District.objects.get(slug="talawi"), District.objects.exclude(slug="talawi").first()
    theirs, elsewhere = make_training(), make_training()
    theirs.districts.set([talawi, other])
    elsewhere.districts.set([other])
    for training in (theirs, elsewhere):
        training.save_revision().publish()
    client = logged_in(make_active_member())  # a cadre of Talawi
    assert client.post(f"/anggota/pelatihan/{theirs.pk}/daftar/").status_code == 302
    response = client.post(f"/anggota/pelatihan/{elsewhere.pk}/daftar/", follow=True)
    assert "Pelatihan ini untuk kader dari kecamatan lain." in response.content.decode()
    assert list(Enrollment.objects.values_list("training_id", flat=True)) == [theirs.pk]
    assert service._district_ids(service.with_district_ids(type(theirs).objects.filter(pk=theirs.pk)).get()) == {
        talawi.pk,
        other.pk,
    }


def test_the_enroll_post_reads_the_members_own_enrollments_with_the_training(
    make_training, make_active_member, staff_user
):
    """Whether the member already holds a place, or was rejected, comes with the training's own
    query: a second click is refused, a rejection stands, and another member's enrollment is not theirs."""
    training = make_training(capacity=5)
    first, second, rejected = make_active_member(), make_active_member(), make_active_member()
    assert logged_in(first).post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 302

    again = logged_in(first).post(f"/anggota/pelatihan/{training.pk}/daftar/", follow=True)
    assert "Anda sudah terdaftar di pelatihan ini." in again.content.decode()
    service.reject(
        enrollment=service.enroll(member=rejected, training=training), by=staff_user, reason="Kuota kecamatan"
    )
    refused = logged_in(rejected).post(f"/anggota/pelatihan/{training.pk}/daftar/", follow=True)
    assert "Pendaftaran Anda di pelatihan ini tidak disetujui." in refused.content.decode()

    assert logged_in(second).post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 302
    assert sorted(Enrollment.objects.filter(training=training).values_list("member_id", "status")) == sorted(
        [(first.pk, "confirmed"), (second.pk, "confirmed"), (rejected.pk, "rejected")]
    )
