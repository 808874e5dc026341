"""Member numbers: given once, when the branch verifies a member, in the pattern of the site settings.

``{regency}.{district}.{year}.{seq:04d}`` by default (home.SiteSettings, checked by
core.numbering): 1219.06.2026.0001 is the first member of Talawi (06) verified in 2026. The
sequence counts per scope (the number without its sequence) in a ``MemberNumberCounter`` row,
locked while a number is given: two coordinators verifying at once get two numbers, never one,
on PostgreSQL (the row lock) and on SQLite (writers queue). The counter never goes back, so a
deleted member's number is never given again; a number already held (an import's, an earlier
pattern's) is skipped. A member who has a number keeps it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from core.numbering import pattern_render, pattern_scope
from home.models import SiteSettings

from .models import Member, MemberNumberCounter

NO_DISTRICT_CODE = "00"


def member_number_settings() -> SiteSettings:
    site = Site.objects.filter(is_default_site=True).first()
    settings = SiteSettings.objects.filter(site=site).first() if site else None
    return settings or SiteSettings()  # the model's defaults: 1219, {regency}.{district}.{year}.{seq:04d}


def member_number_fields(*, member: Member, today=None, settings: SiteSettings | None = None) -> dict[str, str]:
    """What a number's pattern is filled with for this member, besides the sequence."""
    settings = settings or member_number_settings()
    district = member.district.code if member.district_id and member.district.code else NO_DISTRICT_CODE
    return {
        "regency": settings.regency_code,
        "district": district,
        "year": str((today or timezone.localdate()).year),
    }


def _counter_locked(scope: str) -> MemberNumberCounter:
    counters = MemberNumberCounter.objects.select_for_update()
    try:
        with transaction.atomic():
            return counters.get_or_create(scope=scope)[0]
    except IntegrityError:  # another transaction created it first: wait for its lock
        return counters.get(scope=scope)


def member_numbers_assign(*, members: list[Member], today=None) -> None:
    """Give each member without a number the next free one of their scope (not saved: the caller saves).

    One locked counter per scope, however many members (an import gives hundreds at once);
    call inside the transaction that saves them.
    """
    settings = member_number_settings()
    pattern = settings.member_number_pattern
    by_scope: dict[str, tuple[dict, list[Member]]] = {}
    for member in members:
        if member.member_number:
            continue
        values = member_number_fields(member=member, today=today, settings=settings)
        by_scope.setdefault(pattern_scope(pattern, values=values), (values, []))[1].append(member)
    for scope, (values, waiting) in by_scope.items():
        counter = _counter_locked(scope)
        seq = counter.last
        while waiting:
            candidates = {
                pattern_render(pattern, values=values, seq=seq + step): seq + step
                for step in range(1, len(waiting) + 1)
            }
            held = set(
                Member.objects.filter(member_number__in=list(candidates)).values_list("member_number", flat=True)
            )
            for number, candidate_seq in sorted(candidates.items(), key=lambda item: item[1]):
                if number not in held and waiting:
                    waiting.pop(0).member_number = number
                seq = candidate_seq
        counter.last = seq
        counter.save(update_fields=["last"])


@transaction.atomic
def member_number_assign(*, member: Member, today=None) -> str:
    """Give ``member`` (a locked row, or one the caller saves) a number unless they have one; return it."""
    member_numbers_assign(members=[member], today=today)
    return member.member_number
