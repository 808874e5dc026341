"""Staff read the outbox in the Wagtail admin and send failed emails again."""

import pytest
from django.contrib.auth.models import Group

from tasks import outbox
from tasks.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(demo_site, django_user_model):
    user = django_user_model.objects.create_user(email="koordinator@example.org", password="x")
    user.groups.add(Group.objects.get(name="Koordinator"))
    return user


@pytest.fixture
def failed_notification(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse("550 5.1.1 No such mailbox")
    with django_capture_on_commit_callbacks(execute=True):
        notification = outbox.notify(
            kind="message",
            recipient="salah@example.org",
            template="tasks/email/message",
            context={"subject": "Undangan pelatihan", "body": "Isi"},
            idempotency_key="admin-test-1",
        )
    smtp_server.refuse(None)
    notification.refresh_from_db()
    assert notification.status == "failed"
    return notification


def test_coordinator_sees_failed_emails_filtered_by_status(client, coordinator, failed_notification):
    client.force_login(coordinator)
    response = client.get("/admin/outbox/", {"status": "failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "salah@example.org" in html
    assert "Undangan pelatihan" in html
    assert client.get("/admin/outbox/", {"status": "sent"}).content.decode().count("salah@example.org") == 0


def test_the_outbox_is_read_only(client, coordinator, failed_notification, django_user_model):
    client.force_login(coordinator)
    assert client.get("/admin/outbox/new/").status_code in {302, 403, 404}
    assert client.get(f"/admin/outbox/edit/{failed_notification.pk}/").status_code in {302, 403, 404}
    response = client.get(f"/admin/outbox/inspect/{failed_notification.pk}/")
    assert response.status_code == 200
    assert "550 5.1.1 No such mailbox" in response.content.decode()


def test_coordinator_sends_a_failed_email_again(
    client, coordinator, failed_notification, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    retry_url = f"/admin/outbox/retry/{failed_notification.pk}/"
    assert retry_url in client.get("/admin/outbox/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url)
    assert response.status_code == 302
    failed_notification.refresh_from_db()
    assert failed_notification.status == "sent"
    assert [message["To"] for message in smtp_server.messages] == ["salah@example.org"]


def test_editors_and_members_cannot_see_the_outbox(client, demo_site, failed_notification, django_user_model):
    editor = django_user_model.objects.create_user(email="redaksi@example.org", password="x")
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    assert client.get("/admin/outbox/").status_code in {302, 403}
    assert client.post(f"/admin/outbox/retry/{failed_notification.pk}/").status_code in {302, 403}
    assert Notification.objects.get(pk=failed_notification.pk).status == "failed"
