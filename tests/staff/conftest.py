import pytest


@pytest.fixture
def coordinator_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def editor_user(demo_site, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="redaksi@example.org", password="x")
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def place(make_active_member):
    """Put a member into a training with a given status, as the service would have left it."""
    from django.utils import timezone

    from members.models import Enrollment

    def make(training, status="confirmed", member=None, **fields):
        member = member or make_active_member()
        now = timezone.now()
        stamps = {"confirmed": "confirmed_at", "waitlisted": "waitlisted_at", "cancelled": "cancelled_at"}
        if status in stamps:
            fields.setdefault(stamps[status], now)
        return Enrollment.objects.create(member=member, training=training, status=status, **fields)

    return make
