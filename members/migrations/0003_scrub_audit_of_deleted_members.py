"""Issue 13, finding 8: take deleted members' names out of the audit log written before the fix.

``members.personal_data.member_audit_scrub`` does this at each deletion from now on; this
migration does it once for the members already anonymised: entries about them and their
enrollments get a deleted member's label and keep only the status and attendance of their
data. The same rule as the service, written against the historical models.
"""

from django.db import migrations
from django.db.models import Q

DELETED = "(anggota yang dihapus)"  # str() of an anonymised member, in the site's language
DATA_KEPT = ("status", "attended")


def scrub(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Enrollment = apps.get_model("members", "Enrollment")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    member_type = ContentType.objects.filter(app_label="members", model="member").first()
    enrollment_type = ContentType.objects.filter(app_label="members", model="enrollment").first()
    if member_type is None or enrollment_type is None:
        return  # a fresh database: no entry yet
    for member_id in Member.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True).iterator():
        enrollments = {
            str(pk): training_id
            for pk, training_id in Enrollment.objects.filter(member_id=member_id).values_list("pk", "training_id")
        }
        entries = ModelLogEntry.objects.filter(
            Q(content_type=member_type, object_id=str(member_id))
            | Q(content_type=enrollment_type, object_id__in=list(enrollments))
        )
        changed = []
        for entry in entries:
            data = entry.data if isinstance(entry.data, dict) else {}
            entry.data = {key: data[key] for key in DATA_KEPT if key in data}
            if entry.content_type_id == enrollment_type.pk:
                parts = [DELETED, str(enrollments[entry.object_id])]
                if "status" in entry.data:
                    parts.append(str(entry.data["status"]))
                entry.label = " · ".join(parts)
            else:
                entry.label = DELETED
            changed.append(entry)
        ModelLogEntry.objects.bulk_update(changed, ["label", "data"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_member_profile_and_enrollment"),
        ("wagtailcore", "0063_modellogentry"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
