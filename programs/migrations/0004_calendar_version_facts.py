import hashlib

from django.db import migrations, models


def facts_from_live_pages(apps, schema_editor):
    """Every version row was written at its training's last publish: the page row holds those facts."""
    TrainingCalendarVersion = apps.get_model("programs", "TrainingCalendarVersion")
    for version in TrainingCalendarVersion.objects.select_related("training"):
        training = version.training
        version.starts_at, version.ends_at = training.starts_at, training.ends_at
        version.venue_name, version.venue_address = training.venue_name, training.venue_address
        version.status = training.status
        version.save(update_fields=["starts_at", "ends_at", "venue_name", "venue_address", "status"])


def fingerprints_from_facts(apps, schema_editor):
    """Backwards: the hash the previous release compared (time, venue, status)."""
    TrainingCalendarVersion = apps.get_model("programs", "TrainingCalendarVersion")
    for version in TrainingCalendarVersion.objects.all():
        facts = [
            version.starts_at.isoformat(),
            version.ends_at.isoformat(),
            version.venue_name,
            version.venue_address,
            version.status,
        ]
        version.fingerprint = hashlib.sha256("\n".join(facts).encode()).hexdigest()
        version.save(update_fields=["fingerprint"])


class Migration(migrations.Migration):
    """The calendar version keeps the facts of the last live publish instead of their hash:
    programs.changes compares with them to tell participants what changed."""

    dependencies = [
        ("programs", "0003_one_cadre_level"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingcalendarversion", name="starts_at", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="trainingcalendarversion", name="ends_at", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="trainingcalendarversion",
            name="venue_name",
            field=models.CharField(default="", max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="trainingcalendarversion",
            name="venue_address",
            field=models.CharField(blank=True, default="", max_length=300),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="trainingcalendarversion",
            name="status",
            field=models.CharField(
                choices=[("scheduled", "Scheduled"), ("cancelled", "Cancelled"), ("postponed", "Postponed")],
                default="scheduled",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(facts_from_live_pages, fingerprints_from_facts),
        migrations.AlterField(model_name="trainingcalendarversion", name="starts_at", field=models.DateTimeField()),
        migrations.AlterField(model_name="trainingcalendarversion", name="ends_at", field=models.DateTimeField()),
        # A default only so that the migration can be reversed (fingerprints_from_facts fills it).
        migrations.AlterField(
            model_name="trainingcalendarversion", name="fingerprint", field=models.CharField(default="", max_length=64)
        ),
        migrations.RemoveField(model_name="trainingcalendarversion", name="fingerprint"),
    ]
