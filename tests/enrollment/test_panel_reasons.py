"""The training page's panel and the enrollment service decide alike, rule by rule.

The panel asks ``members.enrollment.enroll_refusal`` (one function, one order) and shows the
answer; a POST goes through ``enroll``, which asks the same function. For every rule, what
the member is shown on the page (and its ``data-reason``) is what the service then does:
the same refusal, or the same outcome (a seat, the waiting list, awaiting approval).
"""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from members import enrollment as service
from programs.models import TrainingPage

pytestmark = pytest.mark.django_db


def nothing(**kwargs):
    pass


def another_takes_the_seat(*, training, make_active_member, **kwargs):
    service.enroll(member=make_active_member(), training=training)


def in_other_districts(*, training, **kwargs):
    from core.models import District

    training.districts.set([District.objects.get(slug="sei-balai")])
    training.save_revision().publish()


def already_enrolled(*, training, member, **kwargs):
    service.enroll(member=member, training=training)


def enrolled_then_postponed(*, training, member, **kwargs):
    service.enroll(member=member, training=training)
    training.status = "postponed"
    training.save_revision().publish()


def rejected_by_staff(*, training, member, staff_user, **kwargs):
    service.reject(enrollment=service.enroll(member=member, training=training), by=staff_user, reason="Kuota penuh")


def _past():
    return (timezone.now() - timedelta(days=2)).replace(second=0, microsecond=0)


CASES = {
    # name: (member fields, training fields, setup, reason, what the panel says)
    "open": ({}, {}, nothing, "confirmed", "Daftar sekarang"),
    "full: waiting list": ({}, {"capacity": 1}, another_takes_the_seat, "waitlisted", "Masuk daftar tunggu"),
    "staff approve": ({}, {"requires_approval": True}, nothing, "pending", "Ajukan pendaftaran"),
    "window closed": (
        {},
        {"enrollment_closes_at": timezone.now() - timedelta(minutes=1)},
        nothing,
        "closed",
        "Pendaftaran ditutup",
    ),
    "window not open": (
        {},
        {"enrollment_opens_at": timezone.now() + timedelta(days=1)},
        nothing,
        "not_open",
        "Pendaftaran belum dibuka",
    ),
    "no online enrollment": ({}, {"capacity": 0}, nothing, "no_online", "Tidak ada pendaftaran daring"),
    "past": ({}, {"starts_at": _past()}, nothing, "closed", "Pendaftaran ditutup"),
    "cancelled": ({}, {"status": "cancelled", "status_reason": "Banjir"}, nothing, "cancelled", "Pelatihan dibatalkan"),
    "postponed": ({}, {"status": "postponed"}, nothing, "postponed", "Pelatihan ditunda"),
    "gender": ({"gender": "male"}, {"gender": "women"}, nothing, "not_eligible", "khusus untuk perempuan"),
    "district": ({}, {}, in_other_districts, "not_eligible", "kader dari kecamatan lain"),
    "cadre level": ({"cadre_level": "none"}, {"min_cadre_level": "pkd"}, nothing, "not_eligible", "minimal PKD"),
    "age": ({"birth_date": date(1995, 5, 17)}, {"min_age": 60}, nothing, "not_eligible", "minimal 60 tahun"),
    "unverified": ({"status": "pending"}, {}, nothing, "not_verified", "menunggu verifikasi"),
    "suspended": ({"status": "suspended"}, {}, nothing, "not_verified", "ditangguhkan"),
    "incomplete profile": ({"phone": ""}, {}, nothing, "incomplete_profile", "Lengkapi profil Anda"),
    "already enrolled": ({}, {}, already_enrolled, "already_enrolled", "Anda terdaftar sebagai peserta"),
    "rejected": ({}, {"requires_approval": True}, rejected_by_staff, "rejected", "tidak disetujui"),
    # Two rules at once: the one order decides which answers, on the page as on a POST.
    "unverified, training cancelled": (
        {"status": "pending"},
        {"status": "cancelled"},
        nothing,
        "cancelled",
        "dibatalkan",
    ),
    "ineligible, window closed": (
        {"gender": "male"},
        {"gender": "women", "enrollment_closes_at": timezone.now() - timedelta(minutes=1)},
        nothing,
        "closed",
        "Pendaftaran ditutup",
    ),
    "enrolled, then postponed": ({}, {}, enrolled_then_postponed, "already_enrolled", "ditunda"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_panel_shows_what_the_service_then_does(case, make_training, make_active_member, staff_user):
    member_fields, training_fields, setup, reason, says = CASES[case]
    training = make_training(**training_fields)
    member = make_active_member(**member_fields)
    setup(training=training, member=member, staff_user=staff_user, make_active_member=make_active_member)
    training = TrainingPage.objects.get(pk=training.pk)

    client = Client()
    client.force_login(member.user)
    panel = BeautifulSoup(client.get(training.url).content, "html.parser").select_one("#pendaftaran")
    assert panel.select_one(".enrollment__action")["data-reason"] == reason
    assert says in " ".join(panel.get_text(" ").split())

    try:
        done = service.enroll(member=member, training=training).status
    except service.EnrollmentError as refusal:
        done = refusal.code
    assert done == reason
