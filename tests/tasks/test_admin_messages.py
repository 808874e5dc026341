"""Coordinators write to a training's participants from the admin, and see failed emails on its home."""

import pytest
from django.contrib.auth.models import Group

from members import enrollment as service
from tasks import outbox
from tasks.models import Notification

pytestmark = pytest.mark.django_db


def test_coordinator_messages_every_active_participant_of_a_training(
    client, staff_user, make_training, make_active_member
):
    training = make_training(capacity=1)
    confirmed, waiting, gone = make_active_member(), make_active_member(), make_active_member()
    for member in (confirmed, waiting, gone):
        service.enroll(member=member, training=training)
    service.cancel(enrollment=gone.enrollments.get(), by_staff=False)
    Notification.objects.all().delete()

    client.force_login(staff_user)
    page = client.get("/admin/outbox/message/", {"training": training.pk})
    assert page.status_code == 200
    assert training.title in page.content.decode()
    response = client.post(
        "/admin/outbox/message/",
        {"training": training.pk, "subject": "Bawa laptop", "body": "Mohon bawa laptop masing-masing."},
        follow=True,
    )
    assert "Pesan akan dikirim kepada 2 peserta." in response.content.decode()
    rows = Notification.objects.filter(kind="message")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted([confirmed.user.email, waiting.user.email])
    # The subject names the training it is about, then the coordinator's own words.
    messages = [outbox.rendered(row) for row in rows]
    assert all(m.subject == f"{training.title}: Bawa laptop" and "Mohon bawa laptop" in m.body_text for m in messages)


def test_editors_may_not_message_participants(client, demo_site, django_user_model, make_training):
    editor = django_user_model.objects.create_user(email="editor@example.org", password="x")
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    assert client.get("/admin/outbox/message/").status_code in (302, 403)
    training = make_training()
    client.post("/admin/outbox/message/", {"training": training.pk, "subject": "x", "body": "y"})
    assert not Notification.objects.filter(kind="message").exists()


def test_failed_deliveries_show_on_the_admin_home(client, staff_user):
    client.force_login(staff_user)
    assert "tidak dapat dikirim" not in client.get("/admin/").content.decode()
    Notification.objects.create(
        idempotency_key="x-1",
        kind="message",
        recipient="salah@example.org",
        subject="Undangan rapat",
        body_text="Isi",
        status="failed",
        last_error="SMTPRecipientsRefused: 550 No such mailbox",
    )
    html = client.get("/admin/").content.decode()
    assert "Undangan rapat" in html
    assert "550 No such mailbox" in html
    assert "/admin/outbox/?status=failed" in html
