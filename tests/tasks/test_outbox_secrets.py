"""Issue 13, findings 1, 9 and 10: the outbox holds no readable secret, resends keep their
Message-ID, and an address no mail server takes fails once instead of looping.

The attacks are the ones that worked on the private instance: a Koordinator asks a
password reset for the superuser, or watches a sign-up or an invitation, and reads the
link in the outbox's list or detail page.
"""

import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from members import imports
from tasks import outbox
from tasks.models import Notification
from tests.people import PASSWORD
from tests.worker import deliver_all

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"<>]+/akun/(?:password/reset/key|confirm-email)/[^\s\"<>]+")


def link_in_mail(smtp_server, recipient):
    [message] = [m for m in smtp_server.messages if m["To"] == recipient]
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = LINK.findall(text)
    return link


def outbox_pages(client):
    """Every page of the outbox a coordinator can open: list, search, filters, each row."""
    pages = [client.get("/admin/outbox/"), client.get("/admin/outbox/", {"q": "akun"})]
    for kind in Notification.objects.values_list("kind", flat=True).distinct():
        pages.append(client.get("/admin/outbox/", {"kind": kind}))
    for pk in Notification.objects.values_list("pk", flat=True):
        pages.append(client.get(f"/admin/outbox/inspect/{pk}/"))
    assert all(page.status_code == 200 for page in pages), [page.status_code for page in pages]
    return "\n".join(page.content.decode() for page in pages)


def assert_nowhere_readable(client, link):
    token = link.rstrip("/").rsplit("/", 1)[-1]
    html = outbox_pages(client)
    assert token not in html
    for row in Notification.objects.values("subject", "body_text", "body_html", "idempotency_key", "last_error"):
        assert token not in " ".join(row.values()), row


def test_a_coordinator_cannot_take_over_the_superuser_through_the_outbox(client, roles, smtp_server):
    response = client.post("/akun/password/reset/", {"email": roles.superuser.email})
    assert response.status_code == 302
    deliver_all()
    link = link_in_mail(smtp_server, roles.superuser.email)  # the superuser still gets a working link

    client.force_login(roles.coordinator)
    assert_nowhere_readable(client, link)
    [row] = Notification.objects.filter(recipient=roles.superuser.email)
    inspect = client.get(f"/admin/outbox/inspect/{row.pk}/").content.decode()
    assert "tidak ditampilkan" in inspect  # says why the text is missing

    client.logout()
    path = link.split("testserver", 1)[1]
    page = client.get(path, follow=True)
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()


def test_a_sign_up_confirmation_link_is_readable_only_by_its_recipient(client, roles, smtp_server):
    response = client.post(
        "/akun/signup/",
        {
            "email": "kader.baru@example.org",
            "full_name": "Ma'ruf Amin Tanjung",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "privacy_agreed": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deliver_all()
    link = link_in_mail(smtp_server, "kader.baru@example.org")
    client.force_login(roles.coordinator)
    assert_nowhere_readable(client, link)


def test_an_invitation_link_is_sealed(client, roles, smtp_server):
    user = get_user_model().objects.create_user(email="diundang@example.org")
    imports.invite(user=user, full_name="Jum'at Harahap")
    deliver_all()
    [message] = [m for m in smtp_server.messages if m["To"] == "diundang@example.org"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/akun/password/reset/key/\S+", text)
    client.force_login(roles.superuser)  # not even the superuser reads it
    assert_nowhere_readable(client, link)


def test_the_migration_seals_rows_to_send_and_empties_rows_sent(smtp_server):
    from importlib import import_module

    migration = import_module("tasks.migrations.0002_notification_secret")
    old = "Atur ulang: http://testserver/akun/password/reset/key/1-abc-0123456789abcdef/"
    waiting = Notification.objects.create(
        idempotency_key="lama-1",
        kind="account_password_reset_key",
        recipient="a@example.org",
        subject="Atur ulang kata sandi",
        body_text=old,
    )
    sent = Notification.objects.create(
        idempotency_key="lama-2",
        kind="member_invitation",
        recipient="b@example.org",
        subject="Undangan",
        body_text=old,
        status="sent",
    )
    ordinary = Notification.objects.create(
        idempotency_key="lama-3", kind="message", recipient="c@example.org", subject="Info", body_text="Kopi & Kue"
    )
    migration.scrub_stored_secrets(django_apps, None)
    for row in (waiting, sent, ordinary):
        row.refresh_from_db()
    assert waiting.secret and sent.secret and not ordinary.secret
    assert "0123456789abcdef" not in waiting.body_text + sent.body_text
    assert sent.body_text == "" and ordinary.body_text == "Kopi & Kue"
    outbox.deliver(notification_id=waiting.pk)  # still arrives, with its link
    [message] = smtp_server.messages
    assert "0123456789abcdef" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_resend_after_a_worker_died_keeps_its_message_id(smtp_server):
    row = outbox.notify_rendered(
        kind="message", recipient="nuraini@example.org", subject="Jum'at", body_text="Isi", idempotency_key="mid-1"
    )
    outbox.deliver(notification_id=row.pk)
    # The worker died after the server accepted the message, before the row was marked sent:
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_at=timezone.now() - timedelta(hours=1))
    assert outbox.sweep() == 1  # eager: the sweeper sends it again
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith(f"<outbox.{row.pk}.")
    other = outbox.notify_rendered(
        kind="message", recipient="nuraini@example.org", subject="Lain", body_text="Isi", idempotency_key="mid-2"
    )
    outbox.deliver(notification_id=other.pk)
    assert smtp_server.messages[2]["Message-ID"] != first["Message-ID"]


POISON = '"a\x01b"@example.org'


def test_an_address_no_mail_server_takes_is_refused_at_sign_up(client, demo_site):
    response = client.post(
        "/akun/signup/",
        {"email": POISON, "full_name": "Racun", "password1": PASSWORD, "password2": PASSWORD, "privacy_agreed": "on"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email__icontains="example.org").exists()
    assert not Notification.objects.exists()


def test_a_poison_row_fails_once_and_is_never_picked_again(smtp_server):
    row = outbox.notify_rendered(kind="message", recipient=POISON, subject="x", body_text="x", idempotency_key="p-1")
    outbox.deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1 and row.last_error
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert outbox.sweep(now=timezone.now() + timedelta(days=1)) == 0
    assert smtp_server.messages == []
