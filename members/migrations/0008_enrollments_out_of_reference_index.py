"""Enrollments leave Wagtail's reference index (Enrollment.wagtail_reference_index_ignore):
the rows it holds for them would list participants as "usages" of their training's page."""

from django.db import migrations


def forget_enrollment_references(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    enrollment = ContentType.objects.filter(app_label="members", model="enrollment").first()
    if enrollment is not None:
        ReferenceIndex.objects.filter(content_type=enrollment).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_district_in_core"),
        ("wagtailcore", "0078_referenceindex"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forget_enrollment_references, migrations.RunPython.noop)]
