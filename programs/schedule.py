"""Pure computations about trainings: enrollment state, eligibility in words, WIB dates.

No database access and no knowledge of seats: the enrollment service (``members``) owns
the seat count and the "full" / "waiting list" states, and builds on :func:`enrollment_state`.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.db import models
from django.utils import dateformat
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
