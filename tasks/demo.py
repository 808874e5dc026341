"""Staff access to the outbox: coordinators may read it and send failed emails again."""

from collections.abc import Callable

from django.contrib.auth.models import Group, Permission

from core.roles import COORDINATOR_GROUP

COORDINATOR_PERMISSIONS = ["view_notification", "change_notification"]


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    coordinators = Group.objects.filter(name=COORDINATOR_GROUP).first()
    if coordinators is None:
        return
    wanted = Permission.objects.filter(content_type__app_label="tasks", codename__in=COORDINATOR_PERMISSIONS)
    missing = wanted.exclude(group=coordinators)
    if missing.exists():
        coordinators.permissions.add(*missing)
        log("outbox permissions given to Koordinator")
