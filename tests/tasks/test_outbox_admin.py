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


def test_staff_read_an_email_waiting_to_be_rendered_as_it_will_be_sent(client, coordinator):
    """A row renders at delivery; before that the list and the detail page show its subject and text
    (escaped: a coordinator's words are text, never markup of the admin)."""
    row = outbox.notify(
        kind="message",
        recipient="nuraini@example.org",
        template="tasks/email/message",
        context={"subject": "Jum'at: Kopi & Kue", "body": "Bawa <KTP> & pena, Nur'aini."},
        idempotency_key="admin-pending-1",
    )
    assert row.template and row.subject == "" and row.body_text == ""  # nothing rendered yet
    client.force_login(coordinator)
    listing = client.get("/admin/outbox/", {"status": "pending"}).content.decode()
    assert "Jum&#x27;at: Kopi &amp; Kue" in listing
    inspect = client.get(f"/admin/outbox/inspect/{row.pk}/").content.decode()
    assert "Jum&#x27;at: Kopi &amp; Kue" in inspect and "Bawa &lt;KTP&gt; &amp; pena, Nur&#x27;aini." in inspect


def test_a_row_whose_template_no_longer_renders_fails_with_the_reason(client, coordinator, smtp_server):
    """A template removed (or broken) by a deploy between recording and delivery: the row fails
    visibly, says why, and nothing is sent; staff see the reason on the page instead of a 500."""
    row = outbox.notify(
        kind="message",
        recipient="nuraini@example.org",
        template="tasks/email/removed_in_a_deploy",
        context={"subject": "Rapat"},
        idempotency_key="admin-broken-1",
    )
    outbox.deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "failed"
    assert "TemplateDoesNotExist" in row.last_error and "removed_in_a_deploy" in row.last_error
    assert smtp_server.messages == []
    client.force_login(coordinator)
    inspect = client.get(f"/admin/outbox/inspect/{row.pk}/")
    assert inspect.status_code == 200
    assert "Email ini tidak dapat disusun" in inspect.content.decode()
    assert client.get("/admin/outbox/", {"status": "failed"}).status_code == 200
