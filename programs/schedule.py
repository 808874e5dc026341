"""Pure computations about trainings: enrollment state, eligibility in words, WIB dates.

No database access and no knowledge of seats: the enrollment service (``members``) owns
the seat count and the "full" / "waiting list" states, and builds on :func:`enrollment_state`.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import models
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.clock import WIB

EN_DASH = "\N{EN DASH}"


class TrainingStatus(models.TextChoices):
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    POSTPONED = "postponed", gettext_lazy("Postponed")


class Gender(models.TextChoices):
    ANY = "any", gettext_lazy("Anyone")
    WOMEN = "women", gettext_lazy("Women only")
    MEN = "men", gettext_lazy("Men only")


class CadreLevel(models.TextChoices):
    """Cadre development levels, lowest first (their order is their rank).

    The one list for both sides: a member's level (``members.Member.cadre_level``) and a
    training's minimum (``TrainingPage.min_cadre_level``). The labels name the training in
    full, as members pick it on their profile and staff read it in listings and exports;
    sentences that already say "cadre level" use the short name (:attr:`abbreviation`).
    """

    NONE = "none", gettext_lazy("Not yet trained")
    PKD = "pkd", gettext_lazy("PKD (basic leadership training)")
    PKL = "pkl", gettext_lazy("PKL (advanced leadership training)")
    PKN = "pkn", gettext_lazy("PKN (national leadership training)")

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value) if value in cls.values else 0

    @property
    def abbreviation(self) -> str:
        """The short name in a sentence: "Minimal kader PKD" (a level above NONE)."""
        return self.value.upper()


class EnrollmentState(StrEnum):
    """Where enrollment through the site stands, before anyone counts seats."""

    NO_ONLINE = "no_online"  # capacity 0 or empty: enrollment happens elsewhere
    NOT_OPEN = "not_open"  # the window has not opened yet
    OPEN = "open"
    CLOSED = "closed"  # the window has closed (or the training is over)
    CANCELLED = "cancelled"
    POSTPONED = "postponed"  # editors postponed it: no enrollment until a new date is set

    @property
    def label(self) -> str:
        return {
            EnrollmentState.NO_ONLINE: _("No online enrollment"),
            EnrollmentState.NOT_OPEN: _("Enrollment not open yet"),
            EnrollmentState.OPEN: _("Enrollment open"),
            EnrollmentState.CLOSED: _("Enrollment closed"),
            EnrollmentState.CANCELLED: _("Training cancelled"),
            EnrollmentState.POSTPONED: _("Training postponed"),
        }[self]

    @property
    def accepts_enrollments(self) -> bool:
        return self is EnrollmentState.OPEN


def enrollment_state(
    *,
    now: datetime,
    status: str,
    capacity: int | None,
    starts_at: datetime,
    enrollment_opens_at: datetime | None = None,
    enrollment_closes_at: datetime | None = None,
) -> EnrollmentState:
    """The state of enrollment at the instant ``now``.

    The window opens at ``enrollment_opens_at`` (inclusive; empty = as soon as published)
    and closes at ``enrollment_closes_at`` (exclusive; empty = at the start of the training).
    """
    if status == TrainingStatus.CANCELLED:
        return EnrollmentState.CANCELLED
    if status == TrainingStatus.POSTPONED:
        return EnrollmentState.POSTPONED
    if not capacity or capacity <= 0:
        return EnrollmentState.NO_ONLINE
    if enrollment_opens_at is not None and now < enrollment_opens_at:
        return EnrollmentState.NOT_OPEN
    closes_at = enrollment_closes_at or starts_at
    if now >= closes_at:
        return EnrollmentState.CLOSED
    return EnrollmentState.OPEN


def eligibility_lines(
    *,
    gender: str = Gender.ANY,
    district_names: Iterable[str] = (),
    min_cadre_level: str = CadreLevel.NONE,
    min_age: int | None = None,
    max_age: int | None = None,
) -> list[str]:
    """Who may join, as short plain sentences ("Khusus perempuan", "Usia 18–35 tahun")."""  # noqa: RUF002
    lines = []
    if gender == Gender.WOMEN:
        lines.append(_("Women only"))
    elif gender == Gender.MEN:
        lines.append(_("Men only"))
    names = list(district_names)
    if names:
        lines.append(_("Districts: %(names)s") % {"names": ", ".join(names)})
    if min_cadre_level and min_cadre_level != CadreLevel.NONE:
        lines.append(_("At least cadre level %(level)s") % {"level": CadreLevel(min_cadre_level).abbreviation})
    if min_age and max_age:
        lines.append(_("Aged %(min)s–%(max)s") % {"min": min_age, "max": max_age})  # noqa: RUF001
    elif min_age:
        lines.append(_("Aged %(min)s or older") % {"min": min_age})
    elif max_age:
        lines.append(_("Aged %(max)s or younger") % {"max": max_age})
    if not lines:
        lines.append(_("Open to all cadres"))
    return lines


def format_wib(value: datetime) -> str:
    """``Sabtu, 12 Desember 2026, 09.00 WIB`` (day and month names in the active language)."""
    local = value.astimezone(WIB)
    return f"{dateformat.format(local, 'l, j F Y, H.i')} WIB"


def format_wib_range(starts_at: datetime, ends_at: datetime | None) -> str:
    """``Sabtu, 12 Desember 2026, 09.00–16.00 WIB``, or both full dates when it spans days."""  # noqa: RUF002
    if ends_at is None:
        return format_wib(starts_at)
    start, end = starts_at.astimezone(WIB), ends_at.astimezone(WIB)
    if start.date() == end.date():
        return f"{dateformat.format(start, 'l, j F Y, H.i')}{EN_DASH}{dateformat.format(end, 'H.i')} WIB"
    return f"{format_wib(start)} {EN_DASH} {format_wib(end)}"


# -- sessions (a training's days): the pure rules; programs/sessions.py keeps their rows ---------

BLOCK = "session"


@dataclass(frozen=True)
class Session:
    """One day as the page lists it: ``key`` is its block's id (a UUID string)."""

    key: str
    starts_at: datetime
    ends_at: datetime
    number: int  # 1 for the first day

    @property
    def when(self) -> str:
        return format_wib_range(self.starts_at, self.ends_at)


def _aware(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, WIB)
    return value


def _blocks(training) -> list[tuple[str, datetime | None, datetime | None]]:
    """(id, start, end) of each block of the page's ``sessions``, in the editor's order."""
    stream = training.sessions
    result = []
    for child in stream or ():
        value = child.value
        result.append((child.id or "", _aware(value.get("starts_at")), _aware(value.get("ends_at"))))
    return result


def sessions_of(training) -> list[Session]:
    """The training's days, earliest first (one spanning the page's times when none are listed)."""
    blocks = [block for block in _blocks(training) if block[1] and block[2]]
    if not blocks:
        if training.starts_at is None or training.ends_at is None:
            return []
        return [Session(key="", starts_at=training.starts_at, ends_at=training.ends_at, number=1)]
    blocks.sort(key=lambda block: (block[1], block[2]))
    return [
        Session(key=key, starts_at=start, ends_at=end, number=number)
        for number, (key, start, end) in enumerate(blocks, start=1)
    ]


def span(days) -> tuple[datetime, datetime] | None:
    """The first start and the last end of ``days`` (pairs of start and end, or :class:`Session`)."""
    pairs = [(day.starts_at, day.ends_at) if isinstance(day, Session) else day for day in days]
    pairs = [(start, end) for start, end in pairs if start and end]
    if not pairs:
        return None
    return min(start for start, _end in pairs), max(end for _start, end in pairs)


def _set_blocks(training, blocks) -> None:
    # The stream's raw form (its JSON): the only one that carries each block's id.
    training.sessions = [
        {
            "type": BLOCK,
            "value": {"starts_at": start.isoformat(), "ends_at": end.isoformat()},
            "id": key or str(uuid.uuid4()),
        }
        for key, start, end in blocks
    ]


def keep_in_step(training) -> None:
    """Make the page's ``sessions`` and its ``starts_at``/``ends_at`` agree (no database access).

    - no day listed: one day, from the page's start and end;
    - one day, and the page's start or end set apart from it (by code, not the editor's form,
      which sets the span from the days first: :func:`span_from_form`): the day follows the page;
    - otherwise the days decide: the page's span is the first start and the last end.
    """
    blocks = _blocks(training)
    if not blocks:
        if training.starts_at is not None and training.ends_at is not None:
            _set_blocks(training, [("", training.starts_at, training.ends_at)])
        return
    if len(blocks) == 1 and training.starts_at is not None and training.ends_at is not None:
        key, start, end = blocks[0]
        if (start, end) != (training.starts_at, training.ends_at):
            _set_blocks(training, [(key, training.starts_at, training.ends_at)])
        return
    whole = span((start, end) for _key, start, end in blocks)
    if whole is not None:
        training.starts_at, training.ends_at = whole


def span_from_form(training, stream_value) -> None:
    """The admin form's days decide the span (before the model's own validation runs)."""
    days = []
    for child in stream_value or ():
        value = child.value
        days.append((_aware(value.get("starts_at")), _aware(value.get("ends_at"))))
    whole = span(days)
    if whole is not None:
        training.starts_at, training.ends_at = whole


def when_of(training) -> str:
    """Every day of the training as people read it: one range, or the days one after another."""
    days = [(day.starts_at, day.ends_at) for day in sessions_of(training)]
    return when_of_days(days, starts_at=training.starts_at, ends_at=training.ends_at)


def when_of_days(days, *, starts_at: datetime, ends_at: datetime | None) -> str:
    """Days (pairs of start and end, earliest first) as people read them: the span when there is one
    day or none, else ``Hari 1: …; Hari 2: …``."""
    if len(days) <= 1:
        return format_wib_range(starts_at, ends_at)
    return "; ".join(
        _("Day %(number)s: %(when)s") % {"number": number, "when": format_wib_range(start, end)}
        for number, (start, end) in enumerate(days, start=1)
    )


def signatories(text: str) -> list[tuple[str, str]]:
    """``Name – role`` lines (an en dash, a hyphen or a comma between them) as (name, role), at most three."""  # noqa: RUF002
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in (f" {EN_DASH} ", " - ", ", "):
            if separator in line:
                name, role = line.split(separator, 1)
                result.append((name.strip(), role.strip()))
                break
        else:
            result.append((line, ""))
    return result[:3]
