"""Attendance recorded before sessions existed becomes attendance at the training's one session."""

from django.db import migrations


def attendance_rows(apps, schema_editor):
    Enrollment = apps.get_model("members", "Enrollment")
    Attendance = apps.get_model("members", "Attendance")
    TrainingSession = apps.get_model("programs", "TrainingSession")
    first_session = {}
    for session in TrainingSession.objects.order_by("training_id", "starts_at", "pk"):
        first_session.setdefault(session.training_id, session)
    rows = []
    for enrollment in Enrollment.objects.filter(attended=True).iterator():
        session = first_session.get(enrollment.training_id)
        if session is None:
            continue
        rows.append(
            Attendance(
                enrollment_id=enrollment.pk,
                session_id=session.pk,
                attended_at=enrollment.attended_at or session.starts_at,
                recorded_by_id=enrollment.decided_by_id,
            )
        )
    Attendance.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_attendance_per_session"),
        ("programs", "0006_one_session_per_training"),
    ]

    operations = [migrations.RunPython(attendance_rows, migrations.RunPython.noop)]
