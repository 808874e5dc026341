"""Coordinators act on participants through the Wagtail admin; every action goes through the service."""

import csv
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from members.models import Enrollment
from tasks import outbox
from tasks.models import Notification

pytestmark = pytest.mark.django_db

S = Enrollment.Status


def bulk_url(action, *enrollments, next_url=None):
    query = "&".join(f"id={e.pk}" for e in enrollments)
    return reverse("wagtail_bulk_action", args=("members", "enrollment", action)) + "?" + query


def list_url(training, **params):
    query = "&".join([f"training={training.pk}", *(f"{k}={v}" for k, v in params.items())])
    return reverse("wagtailsnippets_members_enrollment:list") + "?" + query


def test_participants_list_is_reachable_from_the_training_page_and_filtered(
    coordinator_client, staff_user, make_training, place
):
    from django.contrib.auth.models import Group

    training, other = make_training(), make_training()
    mine = place(training)
    theirs = place(other)
    # A coordinator who also edits pages finds "Participants" and "Attendance sheet" on the training's page.
    staff_user.groups.add(Group.objects.get(name="Editor"))
    page = coordinator_client.get(reverse("wagtailadmin_pages:edit", args=[training.pk])).content.decode()
    assert list_url(training) in page
    assert reverse("members_attendance_sheet", args=[training.pk]) in page
    explorer = coordinator_client.get(reverse("wagtailadmin_explore", args=[training.get_parent().pk]))
    assert list_url(training) in explorer.content.decode()
    listing = coordinator_client.get(list_url(training))
    assert listing.status_code == 200
    # Each row carries its actions (here: cancel and check in, for a confirmed participant).
    assert f"/admin/checkin/{mine.token}/?next=" in listing.content.decode()
    assert f"/admin/bulk/members/enrollment/approve/?id={mine.pk}" not in listing.content.decode()
    assert mine.member.full_name in listing.content.decode()
    assert theirs.member.full_name not in listing.content.decode()
    assert (
        coordinator_client.get(list_url(training, status="waitlisted")).content.decode().count(mine.member.full_name)
        == 0
    )


def test_approve_and_reject_through_the_admin(coordinator_client, staff_user, make_training, place):
    training = make_training(requires_approval=True, capacity=5)
    first, second = place(training, "pending"), place(training, "pending")
    page = coordinator_client.get(bulk_url("approve", first))
    assert page.status_code == 200 and first.member.full_name in page.content.decode()
    response = coordinator_client.post(bulk_url("approve", first), {})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == S.CONFIRMED and first.decided_by == staff_user
    assert Notification.objects.filter(recipient=first.member.user.email, kind="enrollment_confirmed").exists()

    # Rejecting needs a reason, which the member is told.
    refused = coordinator_client.post(bulk_url("reject", second), {"reason": ""})
    assert refused.status_code == 200
    second.refresh_from_db()
    assert second.status == S.PENDING
    coordinator_client.post(bulk_url("reject", second), {"reason": "Kuota kecamatan sudah penuh"})
    second.refresh_from_db()
    assert second.status == S.REJECTED and second.reason == "Kuota kecamatan sudah penuh"
    mail = Notification.objects.get(recipient=second.member.user.email, kind="enrollment_rejected")
    assert "Kuota kecamatan sudah penuh" in outbox.rendered(mail).body_text

    # The audit trail names the coordinator, and the history view shows it.
    entry = ModelLogEntry.objects.get(object_id=str(second.pk), action="members.enrollment.reject")
    assert entry.user == staff_user
    history = coordinator_client.get(reverse("wagtailsnippets_members_enrollment:history", args=[second.pk]))
    assert history.status_code == 200 and "panitia@example.org" in history.content.decode()


def test_cancel_with_reason_frees_the_seat_for_the_waiting_list(coordinator_client, make_training, place):
    training = make_training(capacity=1)
    seated = place(training, "confirmed")
    waiting = place(training, "waitlisted")
    coordinator_client.post(bulk_url("cancel", seated), {"reason": "Tidak bisa hadir"})
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == S.CANCELLED and seated.reason == "Tidak bisa hadir"
    assert waiting.status == S.CONFIRMED
    assert Notification.objects.filter(kind="enrollment_cancelled", recipient=seated.member.user.email).exists()
    assert Notification.objects.filter(kind="enrollment_promoted", recipient=waiting.member.user.email).exists()


def test_move_a_chosen_person_from_the_waiting_list_only_with_a_free_seat(coordinator_client, make_training, place):
    training = make_training(capacity=2)
    place(training, "confirmed")
    first, second = place(training, "waitlisted"), place(training, "waitlisted")
    coordinator_client.post(bulk_url("promote", second), {})
    second.refresh_from_db()
    assert second.status == S.CONFIRMED  # the coordinator's choice, not the first in line
    response = coordinator_client.post(
        bulk_url("promote", first) + "&next=" + quote(list_url(training)), {}, follow=True
    )
    first.refresh_from_db()
    assert first.status == S.WAITLISTED
    assert "Tidak ada kursi kosong" in response.content.decode()


def test_mark_attended_in_bulk(coordinator_client, make_training, place):
    training = make_training()
    one, two = place(training), place(training)
    waiting = place(training, "waitlisted")
    coordinator_client.post(bulk_url("attended", one, two, waiting), {})
    assert set(Enrollment.objects.filter(attended=True).values_list("pk", flat=True)) == {one.pk, two.pk}
    assert ModelLogEntry.objects.filter(action="members.enrollment.attended").count() == 2


def test_editors_and_members_are_refused(client, editor_user, make_training, place, make_active_member):
    training = make_training(requires_approval=True)
    pending = place(training, "pending")
    client.force_login(editor_user)
    for url in (
        reverse("wagtailsnippets_members_enrollment:list"),
        reverse("wagtailsnippets_members_member:list"),
        reverse("members_attendance_sheet", args=[training.pk]),
        reverse("members_checkin", args=[pending.token]),
        reverse("members_import"),
    ):
        assert client.get(url).status_code in (302, 403), url
    client.post(bulk_url("approve", pending), {})
    pending.refresh_from_db()
    assert pending.status == S.PENDING
    member = make_active_member()
    client.force_login(member.user)
    response = client.get(reverse("wagtailsnippets_members_enrollment:list"))
    assert response.status_code == 302 and "/akun/login/" in response["Location"]


def test_nobody_adds_edits_or_deletes_enrollments_through_forms(coordinator_client, make_training, place):
    enrollment = place(make_training())
    assert coordinator_client.get(reverse("wagtailsnippets_members_enrollment:add")).status_code in (302, 403)
    edit = reverse("wagtailsnippets_members_enrollment:edit", args=[enrollment.pk])
    assert coordinator_client.get(edit).status_code in (302, 403)
    delete = reverse("wagtailsnippets_members_enrollment:delete", args=[enrollment.pk])
    assert coordinator_client.post(delete).status_code in (302, 403)
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_participant_exports_as_xlsx_and_csv(coordinator_client, make_training, place, make_active_member):
    training, other = make_training(title="Pelatihan Kopi"), make_training()
    member = make_active_member(full_name="Siti Aminah", gender="female", village="Pahang", occupation="Petani")
    place(training, member=member, attended=True)
    place(training, "waitlisted")
    place(other)
    response = coordinator_client.get(list_url(training, export="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    rows = list(sheet.worksheets[0].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:4] == ("Nama", "Kecamatan", "Desa/Kelurahan", "Telepon / WhatsApp")
    assert len(data) == 2
    siti = next(row for row in data if row[0] == "Siti Aminah")
    assert siti[1] == "Talawi" and siti[2] == "Pahang" and siti[4] == "Perempuan" and siti[8] == "Petani"
    assert siti[10] == "Pelatihan Kopi" and siti[11] == "Terkonfirmasi" and siti[13] == "ya"

    confirmed_csv = coordinator_client.get(list_url(training, export="csv", status="confirmed"))
    text = b"".join(confirmed_csv.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 2 and lines[1][0] == "Siti Aminah"


def test_member_list_export(coordinator_client, make_active_member):
    make_active_member(full_name="Ahmad Dahlan", cadre_level="pkl")
    make_active_member(full_name="Belum Verifikasi", status="pending")
    url = reverse("wagtailsnippets_members_member:list") + "?status=active&export=xlsx"
    response = coordinator_client.get(url)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(sheet.worksheets[0].iter_rows(values_only=True))
    names = [row[0] for row in rows[1:]]
    assert "Ahmad Dahlan" in names and "Belum Verifikasi" not in names
    ahmad = rows[1 + names.index("Ahmad Dahlan")]
    assert "PKL" in ahmad[rows[0].index("Jenjang kaderisasi")]


def test_attendance_sheet_lists_confirmed_participants_with_a_signature_column(
    coordinator_client, make_training, place, make_active_member
):
    training = make_training()
    place(training, member=make_active_member(full_name="Hadir Satu"))
    place(training, "waitlisted", member=make_active_member(full_name="Masih Menunggu"))
    page = coordinator_client.get(reverse("members_attendance_sheet", args=[training.pk])).content.decode()
    assert "Hadir Satu" in page and "Masih Menunggu" not in page
    assert "Tanda tangan" in page and "@media print" in page
