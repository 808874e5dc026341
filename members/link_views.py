"""Pages opened from a link in an email, with no login: the signed token in the link is the key.

Each GET shows a page with a button and changes nothing (mail scanners open links); the POST
decides, once, through the service. The token authorises the POST instead of a session and a
CSRF token (DESIGN.md, invariant 5; RFC 8058 for the one-click unsubscribe).
"""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import announcements, enrollment, links, offers, reminders

# -- a waiting-list offer: the signed token in the link is the key, no login -------------------

OFFER_ANSWERED = {
    "accept": gettext_lazy("The seat is yours: your enrollment is confirmed. We have emailed you the details."),
    "decline": gettext_lazy("You have declined the seat and left the waiting list. Thank you for telling us."),
}


@never_cache
@csrf_exempt  # the signed token authorises the answer (DESIGN.md, invariant 5); nothing else is trusted
@require_http_methods(["GET", "POST"])
def offer(request, token: str):
    """GET shows the offer and its buttons and changes nothing (link scanners open it);
    a POST with ``answer`` ``accept`` or ``decline`` decides, once."""
    found = offers.offer_from_token(token=token)
    if found is None:
        raise Http404(_("This link is not valid. Use the link in the latest email we sent you."))
    done = error = None
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in OFFER_ANSWERED:
            return render(request, "members/offer.html", {"offer": found, "invalid": True}, status=400)
        service = enrollment.offer_accept if answer == "accept" else enrollment.offer_decline
        try:
            service(offer=found)
        except enrollment.EnrollmentError as refused:
            error = refused.message
        else:
            done = OFFER_ANSWERED[answer]
        found.refresh_from_db()
    refusal = enrollment.offer_refusal(offer=found)
    return render(
        request,
        "members/offer.html",
        {
            "offer": found,
            "training": found.training,
            "done": done,
            "error": error,
            "refusal": None if (done or error) else refusal,
            "may_answer": refusal is None,
            "chosen": request.GET.get("jawab", ""),
        },
    )


# -- "Saya berhalangan": a confirmed participant frees their seat from an email, no login -------


@never_cache
@csrf_exempt  # the signed token authorises it, like an offer's answer
@require_http_methods(["GET", "POST"])
def absence(request, token: str):
    """GET asks (and changes nothing); POST frees the seat, also after the cancellation deadline."""
    mine = links.enrollment_from_absence_token(token=token)
    if mine is None:
        raise Http404(_("This link is not valid. Use the link in the latest email we sent you."))
    done = error = None
    if request.method == "POST":
        try:
            enrollment.cancel_absent(enrollment=mine)
        except enrollment.EnrollmentError as refused:
            error = refused.message
        else:
            done = _("Your seat is free now and goes to the next person on the waiting list. Thank you for telling us.")
        mine.refresh_from_db()
    refusal = enrollment.absence_refusal(enrollment=mine)
    return render(
        request,
        "members/absence.html",
        {
            "enrollment": mine,
            "training": mine.training,
            "done": done,
            "error": error,
            "refusal": None if (done or error) else refusal,
            "may_free": refusal is None,
        },
    )


# -- "Hadir?": the Yes of the reminder that asks, no login ---------------------------------------


@never_cache
@csrf_exempt  # the signed token authorises it
@require_http_methods(["GET", "POST"])
def attend(request, token: str):
    """GET asks (and changes nothing); POST records "Ya, saya hadir" for the coordinators."""
    reminder = links.reminder_from_token(token=token)
    if reminder is None:
        raise Http404(_("This link is not valid. Use the link in the latest email we sent you."))
    done = error = None
    if request.method == "POST":
        try:
            reminder = reminders.reminder_answer_yes(reminder=reminder)
        except reminders.AnswerError as refused:
            error = refused.message
        else:
            done = _("Thank you: we have noted that you will come. See you there!")
    mine = reminder.enrollment
    return render(
        request,
        "members/attend.html",
        {
            "reminder": reminder,
            "enrollment": mine,
            "training": mine.training,
            "done": done,
            "error": error,
            "confirmed": mine.status == "confirmed",
            "absence_url": links.absence_url(enrollment=mine) if mine.status == "confirmed" else "",
        },
    )


# -- the one-click stop of announcements (RFC 8058) ------------------------------------------


@never_cache
@csrf_exempt  # RFC 8058: a mail app POSTs "List-Unsubscribe=One-Click" with no session; the signed token authorises it
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET (the link in the body, or a scanner): a page with the button, nothing changed; POST: stopped at once."""
    member = links.member_from_unsubscribe_token(token=token)
    if member is None:
        raise Http404(_("This link is not valid. Use the link in the latest email we sent you."))
    done = False
    if request.method == "POST":
        announcements.unsubscribe(member=member)
        member.refresh_from_db()
        done = True
    return render(request, "members/unsubscribe.html", {"member": member, "done": done})
