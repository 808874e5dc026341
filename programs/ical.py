"""RFC 5545 calendars of trainings, built with ``icalendar``.

One event per session (day) of a training. UID: the page's primary key and the site's host,
so an edit never changes it; the second and later days add their day number
(``training-7-2@host``), the first keeps the training's own UID.
SEQUENCE: :class:`~programs.models.TrainingCalendarVersion`, raised on each publish that
changes time, venue or status (see ``programs.changes``); an emailed calendar may add the
recipient's own offset (``sequence_offset``, see ``members.notifications``).
METHOD: ``PUBLISH`` for calendars to add or update; ``CANCEL`` (RFC 5546) takes the event
out of the recipient's calendar, so every event in it is ``STATUS:CANCELLED``.
"""

import re
from collections.abc import Sequence
from datetime import timedelta
from functools import cache

from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

from core.clock import WIB

from .models import TrainingCalendarVersion, TrainingPage, site_host
from .schedule import Session, TrainingStatus

# The phone reminds its owner a day before and two hours before (VALARM, RFC 5545 3.6.6), in
# every calendar that keeps the event: the download, the subscription and the emailed file.
ALARMS_BEFORE = (timedelta(days=1), timedelta(hours=2))

ICAL_STATUS = {
    TrainingStatus.SCHEDULED: "CONFIRMED",
    TrainingStatus.POSTPONED: "TENTATIVE",
    TrainingStatus.CANCELLED: "CANCELLED",
}


def training_uid(training: TrainingPage, host: str, number: int = 1) -> str:
    return f"training-{training.pk}@{host}" if number == 1 else f"training-{training.pk}-{number}@{host}"


def calendar_address(email: str, name: str = "") -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = name
    return address


def build_calendar(
    trainings: Sequence[TrainingPage],
    *,
    request=None,
    name: str,
    method: str = "PUBLISH",
    sequence_offset: int = 0,
    organizer: vCalAddress | None = None,
    attendee: vCalAddress | None = None,
) -> Calendar:
    """The trainings as one calendar; ``organizer`` and ``attendee`` are for emailed calendars (iMIP)."""
    if method not in {"PUBLISH", "CANCEL"}:
        raise ValueError(f"unsupported calendar method {method!r}")
    host = site_host(request)
    sequences = dict(
        TrainingCalendarVersion.objects.filter(training__in=[t.pk for t in trainings]).values_list(
            "training_id", "sequence"
        )
    )
    calendar = Calendar()
    calendar.add("prodid", f"-//{host}//Pelatihan//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Jakarta")
    stamp = timezone.now()
    for training in trainings:
        days = training.days
        for day in days:
            event = training_event(
                training,
                request=request,
                host=host,
                stamp=stamp,
                sequence=sequences.get(training.pk, 0) + sequence_offset,
                status="CANCELLED" if method == "CANCEL" else None,
                day=day if len(days) > 1 else None,
                day_count=len(days),
            )
            if organizer is not None:
                event.add("organizer", organizer)
            if attendee is not None:
                event.add("attendee", attendee)
            calendar.add_component(event)
    add_missing_timezones(calendar)
    return calendar


@cache
def _timezone(tzid: str) -> Timezone:
    return Timezone.from_tzid(tzid)


def add_missing_timezones(calendar: Calendar) -> None:
    """What ``Calendar.add_missing_timezones()`` adds, each zone's VTIMEZONE generated once per process.

    Generating it from the zone database is most of the time a calendar takes to build (it is
    the same component every time: icalendar's default range, 1970 to 2038); the one built
    component is shared by every calendar, which only serialises it.
    """
    position = len(calendar.timezones)
    for tzid in calendar.get_missing_tzids():
        try:
            timezone_component = _timezone(tzid)
        except ValueError:  # a zone icalendar does not know: left out, as icalendar does
            continue
        calendar.subcomponents.insert(position, timezone_component)
        position += 1


def training_event(
    training: TrainingPage,
    *,
    request,
    host: str,
    stamp,
    sequence: int,
    status: str | None = None,
    day: Session | None = None,
    day_count: int = 1,
) -> Event:
    """The event of a training of one day, or of one ``day`` of a training of several."""
    event = Event()
    event.add("uid", training_uid(training, host, day.number if day else 1))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", (day or training).starts_at.astimezone(WIB))
    event.add("dtend", (day or training).ends_at.astimezone(WIB))
    if training.last_published_at:
        event.add("last-modified", training.last_published_at)
    if day:
        summary = _("%(title)s (day %(number)s of %(count)s)") % {
            "title": training.title,
            "number": day.number,
            "count": day_count,
        }
    else:
        summary = training.title
    event.add("summary", summary)
    event.add("location", ", ".join(part for part in (training.venue_name, training.venue_address) if part))
    url = training.get_full_url(request)
    if url:
        event.add("url", url)
    event.add("description", event_description(training, url))
    event.add("status", status or ICAL_STATUS.get(training.status, "CONFIRMED"))
    if event["status"] != "CANCELLED":
        for before in ALARMS_BEFORE:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -before)
            alarm.add("description", training.title)
            event.add_component(alarm)
    return event


def event_description(training: TrainingPage, url: str | None) -> str:
    parts = []
    if training.status != TrainingStatus.SCHEDULED:
        parts.append(f"{training.get_status_display()}: {training.status_reason}".rstrip(": "))
    parts.append(training.summary)
    parts.append(_("Who may join: %(rules)s") % {"rules": "; ".join(training.eligibility_lines())})
    if training.organiser:
        parts.append(_("Organiser: %(name)s") % {"name": training.organiser})
    description = strip_tags(re.sub(r"</(p|li|h[1-6])>", "\n", training.description)).strip()
    if description:
        parts.append(description)
    if url:
        parts.append(url)
    return "\n\n".join(part for part in parts if part)


def calendar_response(trainings, *, request, name: str, filename: str = "kalender.ics") -> HttpResponse:
    body = build_calendar(list(trainings), request=request, name=name).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
