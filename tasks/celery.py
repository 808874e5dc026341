"""The Celery app (``celery -A tasks worker``, ``celery -A tasks beat``) and the base of every task.

Each app's jobs live in its own ``tasks.py`` (Celery's autodiscovery convention); the outbox's
delivery tasks live in ``tasks/delivery.py``. The beat schedule is a setting
(``CELERY_BEAT_SCHEDULE`` in config/settings/base.py), so this app names no domain job.
"""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

logger = logging.getLogger(__name__)


class Task(DjangoTask):
    """Celery's Django task, whose sends a broker outage cannot turn into an error.

    ``delay_on_commit()`` / ``apply_async_on_commit()`` hand the task to the broker once the
    caller's transaction commits (nothing is queued for work that was rolled back), and a
    broker that is down is logged instead of raised into a request whose data is already
    committed: the work waits in the database (the outbox's rows, an import job) for the
    periodic job that picks it up again.
    """

    def enqueue(self, *args, countdown: float | None = None) -> bool:
        """``apply_async`` now; False (and a warning) when the broker cannot be reached."""
        try:
            self.apply_async(args=list(args), countdown=countdown)
        except Exception as error:  # kombu raises a variety of connection errors
            # The work is a row in the database: its sweep (the outbox sweeper, resume_import_jobs) sends it later.
            logger.warning("could not queue %s%r, its sweep will: %s", self.name, args, error)
            return False
        return True

    def enqueue_once(self, key: str | None = None, *, seconds: int = 30) -> bool:
        """``enqueue()`` unless a run queued earlier has not started yet: one run for a storm of
        commits. True when this call queued it.

        The run deletes ``key`` (default ``wake-up:<task name>``, :meth:`once_key`) *before* it
        reads its work: what was committed before the deletion is in its read, what is committed
        after it finds the key free and queues the next run. A run lost, or a broker down, costs
        the wait: the key lives ``seconds``, and each such task has a periodic sweep. A cache that
        does not answer counts as "none waiting" (core.cache): the run is queued.
        """
        from django.core.cache import cache

        key = key or self.once_key()
        if not cache.add(key, 1, seconds):
            return False  # a run queued earlier has not read the work yet: it will read this too
        if not self.enqueue():
            cache.delete(key)  # broker down: the next commit tries again, the sweep has the work
            return False
        return True

    def once_key(self) -> str:
        return f"wake-up:{self.name}"

    def started_once(self, key: str | None = None) -> None:
        """What a run queued by :meth:`enqueue_once` does first, before it reads its work."""
        from django.core.cache import cache

        cache.delete(key or self.once_key())

    def delay_on_commit(self, *args) -> None:
        transaction.on_commit(functools.partial(self.enqueue, *args))

    def apply_async_on_commit(self, args=(), countdown: float | None = None) -> None:
        transaction.on_commit(functools.partial(self.enqueue, *args, countdown=countdown))


app = Celery("portal", task_cls=Task)
# Every CELERY_* Django setting configures the app (broker, eager mode, acks_late, beat schedule...).
app.config_from_object("django.conf:settings", namespace="CELERY")
# ``<app>.tasks`` of every installed app (core, members...), and the outbox's own delivery tasks,
# whose module is not called ``tasks`` (``tasks.tasks`` would read like ``django.tasks``).
app.autodiscover_tasks()
app.autodiscover_tasks(["tasks"], related_name="delivery")
