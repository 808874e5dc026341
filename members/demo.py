"""Demo content of the members app: coordinators' permissions and, with --accounts, demo log-ins."""

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from core.roles import COORDINATOR_GROUP

DEMO_ADMIN_EMAIL = "admin@ansor-batubara.test"
DEMO_ADMIN_PASSWORD = "demo-admin-batubara"

# Coordinators verify, suspend and import members; they read profiles but do not edit them.
# They see participants and act on them (approve, reject, cancel, move up, attendance, check-in)
# through the enrollment service: ``change_enrollment`` is that right, no generic form edits rows.
COORDINATOR_MEMBER_PERMISSIONS = ["view_member", "verify_member", "view_enrollment", "change_enrollment"]


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    seed_coordinator_permissions(log)
    if accounts:
        seed_accounts(log)


def seed_coordinator_permissions(log) -> None:
    coordinators = Group.objects.filter(name=COORDINATOR_GROUP).first()
    if coordinators is None:
        return
    # Only what is missing is added: a second run changes nothing, and nothing is taken away.
    missing = Permission.objects.filter(
        content_type__app_label="members", codename__in=COORDINATOR_MEMBER_PERMISSIONS
    ).exclude(group=coordinators)
    if missing:
        names = ", ".join(sorted(permission.codename for permission in missing))
        coordinators.permissions.add(*missing)
        log(f"group {COORDINATOR_GROUP} given {names}")


def seed_accounts(log) -> None:
    User = get_user_model()
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        admin = User.objects.create_superuser(
            email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD, first_name="Admin", last_name="Cabang"
        )
        EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
        log(f"demo administrator {DEMO_ADMIN_EMAIL} created")
