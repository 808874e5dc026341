"""Demo content of the members app: coordinators' permissions and, with --accounts, demo log-ins."""

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from core.roles import COORDINATOR_GROUP

from .permissions import APP_LABEL, COORDINATOR_PERMISSIONS, codename

DEMO_ADMIN_EMAIL = "admin@ansor-batubara.test"
DEMO_ADMIN_PASSWORD = "demo-admin-batubara"

# What coordinators may do with members and participants: members.permissions.COORDINATOR_PERMISSIONS.
COORDINATOR_MEMBER_PERMISSIONS = [codename(permission) for permission in COORDINATOR_PERMISSIONS]


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
        content_type__app_label=APP_LABEL, codename__in=COORDINATOR_MEMBER_PERMISSIONS
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
