"""``tasks`` is the Celery app and the outbox, nothing else: it imports no domain app, and every job
the beat schedule names is registered by the app that owns it.

import-linter checks the imports between the layers; these tests are the runtime proof that a
worker's outbox path (notify, deliver, sweep) loads no code of home, news, programs or members.
"""

import ast
import json
import subprocess
import sys

import pytest

from ..processes import ROOT, project_env

DOMAIN_APPS = ("home", "news", "programs", "members")


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):  # every import, inside functions too
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_tasks_app_imports_a_domain_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(ast.parse(path.read_text())) if name.split(".")[0] in DOMAIN_APPS
        )
        for path in sorted((ROOT / "tasks").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


# Only core and the tasks app (and the libraries) installed: the settings that name a domain app's
# model or function are the composition root's choices, replaced here by the libraries' defaults.
OUTBOX_PATH = f"""
import json, sys
from django.conf import settings

DOMAIN_APPS = {DOMAIN_APPS!r}
settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app.split(".")[0] not in DOMAIN_APPS]
settings.AUTH_USER_MODEL = "auth.User"
settings.WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
settings.OUTBOX_SENDER_IDENTITY = ""
settings.DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}}

import django

django.setup()

from django.core import mail
from django.db import connection, transaction

from tasks import celery_app, delivery, kinds, outbox, views, wagtail_hooks
from tasks.models import Notification

with connection.schema_editor() as editor:
    editor.create_model(Notification)
with transaction.atomic():
    outbox.notify(
        kind="message",
        recipient="kader@example.org",
        template="tasks/email/message",
        context={{"subject": "Rapat", "body": "Rapat dimulai pukul 09.00 WIB."}},
        idempotency_key="layering-1",
    )
delivery.sweep_outbox()
print(json.dumps({{
    "status": Notification.objects.get().status,
    "sent": [message.subject for message in mail.outbox],
    "registered": sorted(name for name in celery_app.tasks if not name.startswith("celery.")),
    "domain_modules": sorted(name for name in sys.modules if name.split(".")[0] in DOMAIN_APPS),
}}))
"""


def test_the_outbox_records_and_delivers_with_no_domain_app_loaded():
    result = subprocess.run(
        [sys.executable, "-c", OUTBOX_PATH],
        cwd=ROOT,
        env=project_env(DJANGO_SETTINGS_MODULE="config.settings.test", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["domain_modules"] == []
    assert outcome["status"] == "sent"
    assert outcome["sent"] == ["Rapat"]
    assert {"tasks.deliver_notification", "tasks.deliver_recorded", "tasks.deliver_batch", "tasks.sweep_outbox"} <= set(
        outcome["registered"]
    )


@pytest.fixture
def discovered_tasks():
    """What a worker registers: every installed app's tasks module, found as ``celery worker`` finds them."""
    from tasks import celery_app

    celery_app.loader.import_default_modules()
    return set(celery_app.tasks)


@pytest.mark.django_db
def test_every_job_of_the_beat_schedule_is_registered_by_the_app_that_owns_it(settings, discovered_tasks):
    from tasks import celery_app

    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert celery_app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    assert scheduled <= discovered_tasks
    assert not [name for name in scheduled if name.startswith("tasks.") and name != "tasks.sweep_outbox"], (
        "the tasks app runs the outbox's sweep and no domain job"
    )
    # Names that may sit in a Redis queue or be queued by a web process still being deployed.
    assert {
        "tasks.deliver_notification",
        "tasks.deliver_recorded",
        "tasks.deliver_batch",
        "tasks.sweep_outbox",
        "members.run_import_job",
        "core.publish_scheduled_pages",
        "members.send_training_reminders",
    } <= discovered_tasks
