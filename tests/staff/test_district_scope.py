"""Sub-branch (PAC) coordinators (issue 19): one scope, asked by every listing, export, chooser,
bulk action, dashboard panel and service. The crawl (test_admin_crawl.py) walks every admin URL
as such a coordinator; these tests show that the pages agree, and that the services refuse too.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from core.models import District
from members import accounts, attendance, enrollment, imports, scope
from members.admin.dashboard import sub_branch_overview
from members.enrollment import EnrollmentError
from members.models import CoordinatorScope, Enrollment, Member
from tests.people import FAUZI, JUMAT, KHADIJAH, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def pac(roles):
    """The coordinator of PAC Talawi (Nur'aini's district)."""
    from allauth.account.models import EmailAddress

    user = type(roles.coordinator).objects.create_user(email="pac.talawi@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(Group.objects.get(name="Koordinator"))
    CoordinatorScope.objects.create(user=user).districts.set([District.objects.get(slug="talawi")])
    return user


@pytest.fixture
def people(roles, make_person):
    """Nur'aini (Talawi, pending), Jum'at (Tanjung Tiram, pending), Khadijah (Lima Puluh Pesisir)."""
    nuraini = Member.objects.get(user=roles.member)
    nuraini.status = Member.Status.PENDING
    nuraini.save(update_fields=["status"])
    jumat = make_person(JUMAT, status=Member.Status.PENDING)
    khadijah = make_person(KHADIJAH)
    return nuraini, jumat, khadijah


def names_in(response) -> set[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()
    from django.utils.html import escape

    return {
        person.full_name
        for person in (NURAINI, JUMAT, KHADIJAH, FAUZI)
        if person.full_name in text or escape(person.full_name) in text
    }


def test_listing_export_chooser_and_bulk_pages_agree(client, pac, people, roles):
    nuraini, jumat, khadijah = people
    ids = f"id={nuraini.pk}&id={jumat.pk}&id={khadijah.pk}"
    pages = [
        "/admin/snippets/members/member/",
        "/admin/snippets/members/member/?export=csv",
        "/admin/snippets/choose/members/member/",
        "/admin/snippets/choose/members/member/results/",
        f"/admin/snippets/choose/members/member/chosen-multiple/?{ids}",
        "/admin/bulk/members/member/verify/?id=all",
        f"/admin/bulk/members/member/verify/?{ids}",
    ]
    client.force_login(pac)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert names_in(response) == {NURAINI.full_name}, url
    # One by one, a member of another district does not exist for the PAC's coordinator.
    for url in (
        f"/admin/snippets/members/member/inspect/{jumat.pk}/",
        f"/admin/snippets/members/member/history/{jumat.pk}/",
        f"/admin/snippets/choose/members/member/chosen/{jumat.pk}/",
        f"/admin/bulk/members/member/verify/?id={jumat.pk}",
    ):
        assert client.get(url).status_code == 404, url
    # The branch's coordinator sees everyone on the same pages.
    client.force_login(roles.coordinator)
    for url in pages[:2]:
        assert names_in(client.get(url)) == {NURAINI.full_name, JUMAT.full_name, KHADIJAH.full_name}, url


def test_a_bulk_verify_posted_with_another_districts_member_changes_only_theirs(client, pac, people):
    nuraini, jumat, _khadijah = people
    client.force_login(pac)
    response = client.post(f"/admin/bulk/members/member/verify/?id={nuraini.pk}&id={jumat.pk}", {})
    assert response.status_code == 302
    nuraini.refresh_from_db()
    jumat.refresh_from_db()
    assert nuraini.status == Member.Status.ACTIVE
    assert jumat.status == Member.Status.PENDING


def test_the_services_refuse_a_member_or_participant_outside_the_scope(pac, people, make_training):
    nuraini, jumat, _khadijah = people
    with pytest.raises(scope.OutOfScope):
        accounts.member_verify(member=jumat, by=pac)
    with pytest.raises(scope.OutOfScope):
        accounts.member_suspend(member=jumat, by=pac)
    assert accounts.member_verify(member=nuraini, by=pac) is True
    accounts.member_verify(member=jumat, by=None)  # the branch (a command) verifies anyone
    training = make_training(title="Pelatihan Kopi & Kue", requires_approval=True)
    request = enrollment.enroll(member=Member.objects.get(pk=jumat.pk), training=training)
    with pytest.raises(EnrollmentError) as refused:
        enrollment.approve(enrollment=request, by=pac)
    assert refused.value.code == "out_of_scope"
    for action in (attendance.mark_attended, enrollment.promote):
        with pytest.raises(EnrollmentError):
            action(enrollment=request, by=pac)
    with pytest.raises(EnrollmentError):
        enrollment.cancel(enrollment=request, by=pac, by_staff=True)
    assert Enrollment.objects.get(pk=request.pk).status == Enrollment.Status.PENDING


def test_participants_of_a_training_the_pac_organises_are_theirs_whatever_their_district(
    client, pac, roles, make_person, make_training
):
    talawi = District.objects.get(slug="talawi")
    nuraini = Member.objects.get(user=roles.member)
    fauzi = make_person(FAUZI)  # Datuk Tanah Datar
    jumat = make_person(JUMAT)
    own = make_training(title="Pelatihan Abon Ikan PAC Talawi", organising_district=talawi)
    branch = make_training(title="Pelatihan Pemasaran Digital")
    enrollment.enroll(member=fauzi, training=own)
    enrollment.enroll(member=jumat, training=branch)
    enrollment.enroll(member=nuraini, training=branch)
    client.force_login(pac)
    listing = client.get("/admin/snippets/members/enrollment/")
    assert names_in(listing) == {NURAINI.full_name, FAUZI.full_name}
    assert names_in(client.get("/admin/snippets/members/enrollment/?export=csv")) == {
        NURAINI.full_name,
        FAUZI.full_name,
    }
    # Fauzi is a participant of the PAC's training, not a member of the PAC: the member list hides him.
    assert FAUZI.full_name not in names_in(client.get("/admin/snippets/members/member/"))
    # The branch training's attendance sheet lists the PAC's own member only.
    assert names_in(client.get(f"/admin/members/attendance/{branch.pk}/")) == {NURAINI.full_name}
    jumat_row = Enrollment.objects.get(member=jumat)
    assert client.get(f"/admin/checkin/{jumat_row.token}/").status_code == 404


def test_the_dashboard_shows_each_pacs_pending_members_and_fill_rate(client, pac, people, roles, make_training):
    talawi = District.objects.get(slug="talawi")
    training = make_training(title="Pelatihan Tata Rias", capacity=4, organising_district=talawi)
    enrollment.enroll(member=people[2], training=training)  # Khadijah, verified, from another district
    rows = {row["district"].slug: row for row in sub_branch_overview(user=roles.coordinator)}
    assert len(rows) == District.objects.count()
    assert rows["tanjung-tiram"]["pending"] == 1
    assert rows["talawi"]["pending"] == 1
    assert (rows["talawi"]["confirmed"], rows["talawi"]["capacity"], rows["talawi"]["percent"]) == (1, 4, 25)
    assert [row["district"].slug for row in sub_branch_overview(user=pac)] == ["talawi"]
    client.force_login(pac)
    page = client.get("/admin/").content.decode()
    assert "Pimpinan Anak Cabang (PAC)" in page
    assert "1 / 4 (25%)" in page
    assert "Tanjung Tiram" not in page


def test_the_dashboards_training_panels_show_a_pac_its_own_trainings_only(client, pac, people, roles, make_training):
    """The day's panel and the empty chairs count waiting lists, approvals and no-shows: the
    numbers of a training a PAC does not run are not theirs (its participants are not either)."""
    talawi = District.objects.get(slug="talawi")
    khadijah = people[2]
    own = make_training(title="Pelatihan Abon Ikan PAC Talawi", capacity=2, organising_district=talawi)
    branch = make_training(title="Pelatihan Kopi & Kue Cabang", capacity=1)
    ended = timezone.now() - timezone.timedelta(days=3)
    make_training(title="Pelatihan Ma'had Talawi Selesai", organising_district=talawi, starts_at=ended)
    make_training(title="Pelatihan Jum'at Cabang Selesai", starts_at=ended)
    for training in (own, branch):
        enrollment.enroll(member=khadijah, training=training)
    client.force_login(pac)
    page = client.get("/admin/").content.decode()
    assert escape("Pelatihan Abon Ikan PAC Talawi") in page
    assert "1 / 2 (50%)" in page
    assert escape("Pelatihan Ma'had Talawi Selesai") in page
    assert escape("Pelatihan Kopi & Kue Cabang") not in page
    assert "1 / 1 (100%)" not in page
    assert escape("Pelatihan Jum'at Cabang Selesai") not in page
    # The branch's coordinator sees every training in both panels.
    client.force_login(roles.coordinator)
    page = client.get("/admin/").content.decode()
    for title in ("Pelatihan Abon Ikan PAC Talawi", "Pelatihan Kopi & Kue Cabang", "Pelatihan Jum'at Cabang Selesai"):
        assert escape(title) in page, title
    assert "1 / 1 (100%)" in page


def test_a_pac_coordinator_imports_members_of_their_districts_only(pac, people, roles):
    sheet = (
        "nama;telepon;kecamatan\n"
        "Rahmat Ma'had;0812-7000-2222;Talawi\n"
        "Zainab Al-Ma'arif;0812-7000-3333;Sei Suka\n"
        "Hasan tanpa kecamatan;0812-7000-4444;\n"
    )
    job = imports.import_job_create(upload=SimpleUploadedFile("pac.csv", sheet.encode()), dry_run=False, by=pac)
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.created, job.refused) == (1, 2)
    assert Member.objects.filter(full_name="Rahmat Ma'had", district__slug="talawi").exists()
    assert not Member.objects.filter(full_name="Zainab Al-Ma'arif").exists()
    # Their own jobs only: the branch's jobs name people of every district.
    other = imports.import_job_create(upload=SimpleUploadedFile("cabang.csv", sheet.encode()), dry_run=True, by=None)
    assert list(imports.import_jobs_visible(user=pac)) == [job]
    assert set(imports.import_jobs_visible(user=roles.coordinator)) == {job, other}


def test_a_pac_coordinator_has_no_outbox(client, pac, roles):
    assert roles.coordinator.has_perm("tasks.view_notification")
    assert not pac.has_perm("tasks.view_notification")
    client.force_login(pac)
    for url in ("/admin/outbox/", "/admin/outbox/message/"):
        response = client.get(url)  # Wagtail answers a refusal with a way back to the dashboard
        assert (response.status_code, response.get("Location")) in {(403, None), (302, "/admin/")}, url
