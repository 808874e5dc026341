"""The visitor's own enrollment state on a training page: programs renders its
``training_page_panels`` hook there, members fills it with this panel (members/wagtail_hooks.py).

Whether the member may enroll, and why not, is the enrollment service's one decision
(:func:`members.enrollment.enroll_refusal`): the panel only chooses how to show it.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy

from core import pagecache

from . import accounts, enrollment
from .models import Member

TEMPLATE = "members/includes/enrollment_panel.html"

# Refusals that the panel shows as the training's state alone (the state line says it).
TRAINING_STATE_REFUSALS = {code for code, _message in enrollment.TRAINING_REFUSALS.values()}


def enrollment_panel(request, training) -> str:
    """Seats left, the state of enrollment, and the one action that fits this visitor (HTML).

    The page cache keeps it per member (programs.panels): it changes with the seats (every
    enrollment change bumps them), with the member (members.signals bumps their generation),
    and by itself at the moments declared here.
    """
    # Seats left are shown: an anonymous visitor's cached copy of the page lives until seats change.
    pagecache.depends_on(pagecache.SEATS)
    now = timezone.now()
    context = panel_context(user=request.user, training=training, now=now)
    item = context.get("item")
    moments = (
        training.next_change(now),  # enrollment opens or closes, the training ends
        training.cancellation_deadline,  # cancel becomes "I cannot come"
        training.starts_at,
        item.offer.expires_at if item is not None and item.offer else None,
    )
    for moment in moments:
        if moment is not None and moment > now:
            pagecache.valid_until(moment)
    context["csrf_token"] = lazy(pagecache.csrf_token, str)(request)
    return render_to_string(TEMPLATE, context, request=request)


def panel_context(*, user, training, now=None) -> dict:
    """What the panel shows: ``action`` (the branch of the template) and ``reason`` (the code of
    the service's refusal, or the status an enrollment now would get)."""
    now = now or timezone.now()
    seats = enrollment.seats_for(training=training)
    panel = {"training": training, "state": training.state, "seats": seats}
    if not user.is_authenticated:
        return panel | {"action": "login"}
    member = accounts.member_of(user=user)
    if member is None:
        return panel | {"action": "profile", "missing": []}
    refusal = enrollment.enroll_refusal(member=member, training=training, now=now)
    if refusal is None:
        outcome = enrollment.enrollment_outcome(training=training, free_seat=not seats.full)
        return panel | {"action": "enroll", "reason": outcome, "outcome": outcome}
    panel |= {"reason": refusal.code, "refusal": refusal}
    if refusal.code == "already_enrolled":
        mine = refusal.enrollment  # the active enrollment the service found
        item = enrollment.my_training(enrollment=mine, now=now)
        return panel | {
            "action": mine.status,
            "mine": mine,
            "item": item,
            "position": item.position,
            "may_cancel": item.may_cancel,
        }
    if refusal.code in TRAINING_STATE_REFUSALS:
        return panel | {"action": "none"}
    if refusal.code == "not_verified":
        return panel | {"action": "suspended" if member.status == Member.Status.SUSPENDED else "unverified"}
    if refusal.code == "incomplete_profile":
        return panel | {"action": "profile", "missing": refusal.details}
    if refusal.code == "not_eligible":
        return panel | {"action": "ineligible", "reasons": refusal.details}
    return panel | {"action": "refused"}
