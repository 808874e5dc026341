import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("portal")
# Every CELERY_* Django setting configures the app (broker, eager mode, acks_late...).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code (no django-celery-beat; see README).
app.conf.beat_schedule = {
    "publish-scheduled-pages": {
        "task": "tasks.jobs.publish_scheduled_pages",
        "schedule": crontab(),  # every minute
    },
    "training-reminders": {
        "task": "tasks.jobs.send_training_reminders",
        "schedule": crontab(hour=8, minute=0),  # 08:00 WIB (CELERY_TIMEZONE is Asia/Jakarta)
    },
    "sweep-outbox": {
        "task": "tasks.sweep_outbox",
        "schedule": settings.OUTBOX_SWEEP_SECONDS,  # what could not be queued (broker down) goes out then
    },
    "resume-import-jobs": {
        "task": "members.resume_import_jobs",
        "schedule": 300.0,  # member imports whose worker died go on where they stopped
    },
    "expire-import-reports": {
        "task": "members.expire_import_reports",
        "schedule": crontab(hour=3, minute=0),  # reports name people: kept 30 days after their job
    },
}
