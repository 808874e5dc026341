"""The visitor's own enrollment state on a training page (programs' templates load this)."""

from django import template

from .. import accounts, enrollment
from ..models import Member

register = template.Library()


@register.inclusion_tag("members/includes/enrollment_panel.html", takes_context=True)
def enrollment_panel(context, training):
    """Seats left, the state of enrollment, and the one action that fits this visitor."""
    request = context["request"]
    state = training.state
    seats = enrollment.seats_for(training=training)
    panel = {
        "request": request,
        "training": training,
        "state": state,
        "seats": seats,
        "csrf_token": context.get("csrf_token"),
        "user": request.user,
    }
    if not request.user.is_authenticated:
        return panel | {"action": "login"}
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        return panel | {"action": "profile", "missing": []}
    mine = enrollment.active_enrollment(member=member, training=training)
    if mine is not None:
        item = enrollment.my_training(enrollment=mine)
        return panel | {
            "action": mine.status,
            "mine": mine,
            "item": item,
            "position": item.position,
            "may_cancel": item.may_cancel,
        }
    if not state.accepts_enrollments:
        return panel | {"action": "none"}
    if member.status != Member.Status.ACTIVE:
        return panel | {"action": "suspended" if member.status == Member.Status.SUSPENDED else "unverified"}
    completeness = accounts.member_completeness(member=member)
    if not completeness.complete:
        return panel | {"action": "profile", "missing": completeness.missing}
    if reasons := enrollment.ineligibility(member=member, training=training):
        return panel | {"action": "ineligible", "reasons": reasons}
    return panel | {"action": "enroll"}
