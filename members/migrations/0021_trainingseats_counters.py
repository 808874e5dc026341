from django.db import migrations, models
from django.db.models import Count, Q


def count_seats(apps, schema_editor):
    """Every existing seat row starts equal to what it counts (members.enrollment.seats_by_training)."""
    TrainingSeats = apps.get_model("members", "TrainingSeats")
    Enrollment = apps.get_model("members", "Enrollment")
    WaitlistOffer = apps.get_model("members", "WaitlistOffer")
    for seats in TrainingSeats.objects.all():
        counts = Enrollment.objects.filter(training_id=seats.training_id).aggregate(
            confirmed=Count("pk", filter=Q(status="confirmed")), waiting=Count("pk", filter=Q(status="waitlisted"))
        )
        offered = WaitlistOffer.objects.filter(
            training_id=seats.training_id, status="open", enrollment__status="waitlisted"
        ).count()
        seats.taken, seats.waiting = counts["confirmed"] + offered, counts["waiting"]
        seats.save(update_fields=["taken", "waiting"])


class Migration(migrations.Migration):
    dependencies = [("members", "0020_member_nik")]

    operations = [
        migrations.AddField(
            model_name="trainingseats",
            name="taken",
            field=models.PositiveIntegerField(
                default=0, help_text="Confirmed, and held by open offers.", verbose_name="seats taken"
            ),
        ),
        migrations.AddField(
            model_name="trainingseats",
            name="waiting",
            field=models.PositiveIntegerField(default=0, help_text="On the waiting list.", verbose_name="waiting"),
        ),
        migrations.RunPython(count_seats, migrations.RunPython.noop),
    ]
