"""Verification by the branch: in the Wagtail admin and with manage.py approve_member."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from members import accounts
from members.models import Member

from .conftest import make_member

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/members/member/"


def bulk_url(action, *members):
    ids = "&".join(f"id={m.pk}" for m in members)
    return reverse("wagtail_bulk_action", args=("members", "member", action)) + "?" + ids


def test_coordinator_lists_filters_and_searches_members(client, coordinator, demo_site):
    from core.models import District

    talawi = District.objects.get(slug="talawi")
    make_member("a@example.org", full_name="Ahmad Talawi", district=talawi)
    make_member("b@example.org", full_name="Bambang Lain", phone="+6281299998888")
    verified = make_member("c@example.org", full_name="Cahya Aktif")
    accounts.member_verify(member=verified, by=None)
    client.force_login(coordinator)

    html = client.get(LIST_URL).content.decode()
    assert "Ahmad Talawi" in html and "Bambang Lain" in html
    html = client.get(LIST_URL, {"status": "pending"}).content.decode()
    assert "Ahmad Talawi" in html and "Cahya Aktif" not in html
    html = client.get(LIST_URL, {"district": talawi.pk}).content.decode()
    assert "Ahmad Talawi" in html and "Bambang Lain" not in html
    for query in ("Bambang", "99998888", "b@example"):
        html = client.get(LIST_URL, {"q": query}).content.decode()
        assert "Bambang Lain" in html and "Ahmad Talawi" not in html, query


def test_coordinator_verifies_one_member_in_the_admin_and_the_member_gets_an_email(
    client, coordinator, django_capture_on_commit_callbacks
):
    member = make_member("siti@example.org")
    client.force_login(coordinator)
    html = client.get(LIST_URL).content.decode()
    assert bulk_url("verify", member).replace("&", "&amp;") in html or bulk_url("verify", member) in html
    assert "Verifikasi" in html

    confirm = client.get(bulk_url("verify", member))
    assert confirm.status_code == 200
    assert "Siti Aminah" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk_url("verify", member) + "&next=" + LIST_URL)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert member.verified_by == coordinator
    assert member.verified_at is not None

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["siti@example.org"]
    assert "terverifikasi" in email.subject.lower()
    assert "http://127.0.0.1:8000/anggota/" in email.body or "/anggota/" in email.body

    # The member sees it on the dashboard.
    client.force_login(member.user)
    assert "Terverifikasi" in client.get("/anggota/").content.decode()


def test_coordinator_verifies_and_suspends_in_bulk(client, coordinator, django_capture_on_commit_callbacks):
    first = make_member("a@example.org", full_name="Ahmad")
    second = make_member("b@example.org", full_name="Bambang")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk_url("verify", first, second))
    assert response.status_code == 302
    assert set(Member.objects.values_list("status", flat=True)) == {"active"}
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(bulk_url("suspend", first, second))
    assert set(Member.objects.values_list("status", flat=True)) == {"suspended"}
    assert len(mail.outbox) == 2  # no email for a suspension


def test_verifying_twice_sends_one_email(coordinator, django_capture_on_commit_callbacks):
    member = make_member("siti@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert accounts.member_verify(member=member, by=coordinator) is True
        assert accounts.member_verify(member=member, by=coordinator) is False
    assert len(mail.outbox) == 1


def test_editors_cannot_verify_members(client, demo_site, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user(email="editor@example.org", password="x")
    editor.groups.add(Group.objects.get(name="Editor"))
    member = make_member("siti@example.org")
    client.force_login(editor)
    assert client.get(LIST_URL).status_code in (302, 403)
    client.post(bulk_url("verify", member))
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING


def test_approve_member_command(demo_site, django_capture_on_commit_callbacks):
    member = make_member("siti@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("approve_member", "SITI@example.org", stdout=open("/dev/null", "w"))  # noqa: SIM115
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert member.verified_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["siti@example.org"]
    with pytest.raises(CommandError):
        call_command("approve_member", "tidak-ada@example.org")


def test_seed_demo_lets_coordinators_verify_but_not_editors(demo_site):
    from django.contrib.auth.models import Group

    coordinators = set(Group.objects.get(name="Koordinator").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    assert {"view_member", "verify_member"} <= coordinators
    assert "change_member" not in coordinators
    assert not {"view_member", "verify_member", "change_member"} & editors
