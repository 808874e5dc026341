"""Demo log-ins, created only with ``seed_demo --accounts`` (development)."""

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

DEMO_ADMIN_EMAIL = "admin@ansor-batubara.test"
DEMO_ADMIN_PASSWORD = "demo-admin-batubara"


def seed(*, log: Callable[[str], None], accounts: bool = False) -> None:
    if not accounts:
        return
    User = get_user_model()
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        admin = User.objects.create_superuser(
            email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD, first_name="Admin", last_name="Cabang"
        )
        EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
        log(f"demo administrator {DEMO_ADMIN_EMAIL} created")
