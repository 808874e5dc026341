"""Member numbers under real concurrency (issue 19): twenty coordinators verifying at once.

Each thread has its own database connection, as each web process would; the suite runs on
SQLite and on PostgreSQL, so both are proven (the counter row is locked, not max()+1).
"""

import pytest
from django.utils import timezone

from members import accounts
from members.models import Member, MemberNumberCounter
from tests.enrollment.test_concurrency import run_at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_twenty_verifications_at_once_get_twenty_numbers_in_one_sequence(make_active_member):
    members = [make_active_member(status=Member.Status.PENDING) for _ in range(20)]

    errors = run_at_once([lambda member=member: accounts.member_verify(member=member, by=None) for member in members])

    assert errors == []
    numbers = sorted(Member.objects.filter(pk__in=[m.pk for m in members]).values_list("member_number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"1219.06.{year}.{seq:04d}" for seq in range(1, 21)]
    assert MemberNumberCounter.objects.get(scope=f"1219.06.{year}.{{seq:04d}}").last == 20
