"""Waiting-list offers: how long a freed seat is held for the next person, and the links that answer it.

The transitions (make, accept, decline, expire, remind) share the seat lock with every other
enrollment change and live in ``members.enrollment``; this module holds the rules they ask:
the window of an offer, and the signed token of its links.

The token (``members.links``) is an HMAC of the offer's id and moment: computed when an
email or page needs it, never stored (the offer emails are sealed in the outbox), and good
for one answer only because an answered offer is no longer open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from programs.models import TrainingPage

from . import links
from .models import WaitlistOffer

# The window ends this long before the training starts, so whoever gets the seat after an
# unanswered offer still has time to arrange the trip.
OFFER_ENDS_BEFORE_START = timedelta(hours=6)
# A window shorter than this is no real chance to answer: the seat is given automatically.
OFFER_SHORTEST_WINDOW = timedelta(hours=2)
# The reminder goes out this long before the offer expires (at half the window when it is shorter).
OFFER_REMINDER_BEFORE = timedelta(hours=3)


def offer_deadline(*, training: TrainingPage, now: datetime) -> datetime | None:
    """Until when a seat freed ``now`` is held for the next person; None: it is given at once.

    None when the training gives freed seats automatically (``waitlist_offer_hours`` 0), and
    when the training is so close that the window, ending ``OFFER_ENDS_BEFORE_START`` before
    the start, would be shorter than ``OFFER_SHORTEST_WINDOW``.
    """
    if not training.waitlist_offer_hours:
        return None
    deadline = min(now + timedelta(hours=training.waitlist_offer_hours), training.starts_at - OFFER_ENDS_BEFORE_START)
    if deadline - now < OFFER_SHORTEST_WINDOW:
        return None
    return deadline


def offer_reminder_moment(*, offered_at: datetime, expires_at: datetime) -> datetime:
    return expires_at - min(OFFER_REMINDER_BEFORE, (expires_at - offered_at) / 2)


def _stamp(offer: WaitlistOffer) -> str:
    return links.moment_stamp(offer.offered_at)


def offer_token(*, offer: WaitlistOffer) -> str:
    """The secret of this offer's links (``members.links``)."""
    return links.make_token(purpose="offer", pk=offer.pk, stamp=_stamp(offer))


def offer_from_token(*, token: str) -> WaitlistOffer | None:
    """The offer a token names, or None when the token is not one we signed."""
    offers = WaitlistOffer.objects.select_related("enrollment__member", "training")
    return links.read_token(purpose="offer", token=token, load=lambda pk: offers.filter(pk=pk).first(), stamp=_stamp)


def offer_url(*, offer: WaitlistOffer, answer: str = "") -> str:
    """The absolute address of the offer's page (``answer``: ``terima`` or ``tolak``, the link's button)."""
    url = settings.SITE_URL + reverse("members:offer", args=[offer_token(offer=offer)])
    return f"{url}?jawab={answer}" if answer else url
