"""Rows that hold a credential are marked secret, and the tokens already stored are scrubbed.

Account mail (allauth: password reset, confirmation) and member invitations were stored
with their links readable to anyone who could open the outbox. Rows still to be sent
(pending, sending, failed and so retryable) are sealed, so they still arrive with a
working link; rows already sent lose their bodies: the link did its work.
"""

from django.db import migrations, models
from django.db.models import Q

SECRET_KINDS = Q(kind__startswith="account_") | Q(kind="member_invitation")


def scrub_stored_secrets(apps, schema_editor):
    from tasks.outbox import seal

    Notification = apps.get_model("tasks", "Notification")
    rows = Notification.objects.filter(SECRET_KINDS, secret=False)
    for row in rows.exclude(status="sent").iterator():
        row.body_text = seal(row.body_text)
        row.body_html = seal(row.body_html) if row.body_html else ""
        row.secret = True
        row.save(update_fields=["body_text", "body_html", "secret"])
    rows.filter(status="sent").update(body_text="", body_html="", secret=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0001_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="secret",
            field=models.BooleanField(default=False, verbose_name="holds a secret link"),
        ),
        migrations.RunPython(scrub_stored_secrets, migrations.RunPython.noop),
    ]
