"""Celery tasks of the members domain, found by ``autodiscover_tasks``. Thin: they take ids and call services.

Their schedule is ``CELERY_BEAT_SCHEDULE`` (config/settings/base.py).
"""

import logging

from celery import shared_task

from . import certificates, enrollment, imports, reminders

logger = logging.getLogger(__name__)


@shared_task(name="members.run_import_job", acks_late=True, ignore_result=True)
def run_import_job(job_id: int) -> None:
    """Import an uploaded member list; a redelivered or resumed run continues after the last chunk."""
    try:
        imports.import_job_run(job_id=job_id)
    except Exception:
        # Left queued/running: resume_import_jobs tries it again, up to imports.MAX_ATTEMPTS runs.
        logger.exception("import job %s stopped", job_id)


def queue_import_job(*, job_id: int) -> None:
    """Hand the job to a worker once the transaction commits; a broker that is down leaves it to resume_import_jobs."""
    run_import_job.delay_on_commit(job_id)


@shared_task(name="members.resume_import_jobs", ignore_result=True)
def resume_import_jobs() -> int:
    """Beat runs this every few minutes: jobs whose worker died (or that were never queued) go again."""
    job_ids = imports.import_jobs_stalled()
    for job_id in job_ids:
        queue_import_job(job_id=job_id)
    return len(job_ids)


@shared_task(name="members.expire_import_reports", ignore_result=True)
def expire_import_reports() -> int:
    """Beat runs this daily: import reports (people's names) are deleted 30 days after their job ended."""
    return imports.import_reports_expire()


@shared_task(name="members.send_training_reminders", ignore_result=True)
def send_training_reminders() -> int:
    """Beat runs this every 15 minutes: the reminders each training's rules make due (each sent once)."""
    return reminders.send_reminders()


@shared_task(name="members.issue_certificates", ignore_result=True)
def issue_certificates() -> int:
    """Beat runs this every 30 minutes: certificates of trainings whose last session has ended."""
    return certificates.issue_due()


@shared_task(name="members.process_offers", ignore_result=True)
def process_offers() -> tuple[int, int]:
    """Beat runs this every few minutes: offers past their time pass their seat on (once, however
    many runs overlap: each expiry re-reads its offer under the seat lock), then due reminders go out."""
    return enrollment.offers_expire(), enrollment.offers_remind()


@shared_task(bind=True, name="members.follow_up_enrollments", acks_late=True, ignore_result=True)
def follow_up_enrollments(self) -> int:
    """The email and audit entry new enrollments owe (members.enrollment.follow_up), each recorded
    once. Queued after an enrollment's commit (``enqueue_once``: one run for a storm), and run by
    the beat every minute for what a broker outage left."""
    self.started_once()  # first: what commits after this line queues the next run
    done = 0
    while recorded := enrollment.follow_up_pending():
        done += recorded
    return done
