"""Every training so far gets one session (day): its own start and end.

The page row and every revision of it get the same block (the same id), so an editor opening an
older revision, or publishing the latest draft, keeps the day (and its TrainingSession row, which
attendance is recorded on) instead of making a new one.
"""

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations
from django.utils.dateparse import parse_datetime


def block(key, starts_at, ends_at):
    return {"type": "session", "value": {"starts_at": starts_at, "ends_at": ends_at}, "id": key}


def one_session_each(apps, schema_editor):
    TrainingPage = apps.get_model("programs", "TrainingPage")
    TrainingSession = apps.get_model("programs", "TrainingSession")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    content_type = ContentType.objects.filter(app_label="programs", model="trainingpage").first()
    for training in TrainingPage.objects.only("pk", "starts_at", "ends_at").iterator():
        key = str(uuid.uuid4())
        raw = [block(key, training.starts_at.isoformat(), training.ends_at.isoformat())]
        TrainingPage.objects.filter(pk=training.pk).update(sessions=raw)
        TrainingSession.objects.create(
            training_id=training.pk, key=key, number=1, starts_at=training.starts_at, ends_at=training.ends_at
        )
        if content_type is None:
            continue
        revisions = Revision.objects.filter(content_type=content_type, object_id=str(training.pk))
        for revision in revisions.iterator():
            content = revision.content
            starts_at, ends_at = content.get("starts_at"), content.get("ends_at")
            if not (starts_at and ends_at) or content.get("sessions"):
                continue
            starts_at, ends_at = parse_datetime(starts_at), parse_datetime(ends_at)
            if starts_at is None or ends_at is None:
                continue
            # A StreamField in a revision is a JSON string (wagtail.fields.StreamField.value_to_string).
            content["sessions"] = json.dumps([block(key, starts_at, ends_at)], cls=DjangoJSONEncoder)
            Revision.objects.filter(pk=revision.pk).update(content=content)


def forget_sessions(apps, schema_editor):
    """Backwards: the rows go with the table; starts_at and ends_at were kept all along."""


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0005_training_sessions"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(one_session_each, forget_sessions)]
