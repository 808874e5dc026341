import functools
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import prepared, redirects, throttle, visibility
from core.language import set_language_cookie
from programs.ical import calendar_response
from programs.models import TrainingPage

from . import accounts, announcements, cards, certificates, enrollment, personal_data
from .forms import ChangeRequestForm, DeleteAccountForm, PhotoForm, ProfileForm
from .models import Certificate, Member

# Every view here works on request.user's own data: the only IDs in URLs are of public
# trainings, and the views act on the logged-in member's own enrollment in them.


def member_required(view):
    """Log-in required, and a member profile: an account without one (staff made in the admin)
    is told so, with a link to the admin, and nothing is written."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        member = accounts.member_of(user=request.user)
        if member is None:
            return render(request, "members/no_profile.html", status=200)
        return view(request, member, *args, **kwargs)

    return wrapper


@never_cache
@member_required
def dashboard(request, member):
    upcoming, past = enrollment.member_trainings(member=member)
    return render(
        request,
        "members/dashboard.html",
        {
            "member": member,
            "completeness": accounts.member_completeness(member=member),
            "can_enroll": accounts.member_can_enroll(member=member),
            "Status": Member.Status,
            "upcoming": upcoming,
            "past": past,
            "certificates": certificates.member_certificates(member=member),
            "card": cards.member_card(member=member),
            "calendar_feed_url": request.build_absolute_uri(
                reverse("members:calendar_feed", args=[member.calendar_token])
            ),
        },
    )


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def profile(request, member):
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.member_update_profile(
                member=member,
                privacy_agreed=form.cleaned_data["privacy_agreed"],
                **form.nik_values(),
                **form.profile_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            response = redirect("members:dashboard")
            # The site speaks the language the member just chose for their email.
            set_language_cookie(response, form.profile_fields()["language"])
            return response
    return render(request, "members/profile.html", {"form": form, "photo_form": PhotoForm(), "member": member})


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def change_request(request, member):
    """A verified member asks the coordinators to change data they can no longer change themselves."""
    if not accounts.member_is_verified(member=member):
        return redirect("members:profile")  # an unverified member edits the profile directly
    form = ChangeRequestForm(request.POST or None, initial={"member_number": ""})
    if request.method == "POST" and form.is_valid():
        try:
            accounts.member_request_change(member=member, changes=form.changes(), note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your request has been sent to the coordinators. They will contact you about it.")
            )
            return redirect("members:profile")
    return render(request, "members/change_request.html", {"form": form, "member": member})


@never_cache
@login_required
def data_export(request):
    data = personal_data.member_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    filename = f"data-saya-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        personal_data.member_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data have been deleted."))
        return redirect("/")
    return render(request, "members/delete_account.html", {"form": form})


def privacy(request):
    language = "en" if get_language() == "en" else "id"
    return render(request, f"members/privacy_{language}.html")


# -- enrollment: POST only, on the logged-in member's own enrollment ---------------------------


# The trainings a member may enroll in through a link, as one query compiled once per process
# (core.prepared; the id a slot). The view restrictions are checked in the page's own query
# (core.visibility), not by Wagtail's .public() (the restrictions read, then a path per
# restriction); the ids of its districts come with it, for the eligibility rule
# (members.enrollment): two queries fewer on every enrollment of a storm, and no queryset
# built and compiled again on each (about 1,900 Python calls of the enroll POST's).
# The member's own enrollments that the refusal reads come with it too (whether there are any).
def _enrollable_training(pk, user):
    return enrollment.with_own_enrollments(
        enrollment.with_district_ids(visibility.public_alone(TrainingPage.objects.live())), user=user
    ).filter(pk=pk)


def _training(request, training_id: int) -> TrainingPage:
    # <id:...> (core.converters): 18 digits at most. A visitor's id 0: no member has it.
    found = prepared.run("members.views.training", _enrollable_training, training_id, request.user.pk or 0)
    if not found:
        raise Http404("No such training.")
    return found[0]


ENROLLED_MESSAGES = {
    "confirmed": gettext_lazy("Your seat is confirmed. We have emailed you the details."),
    "waitlisted": gettext_lazy(
        "The training is full: you are on the waiting list. We will email you if a seat frees up."
    ),
    "pending": gettext_lazy("Your enrollment was received and awaits approval by the branch staff."),
}


def _too_many_changes(request, training: TrainingPage) -> HttpResponse | None:
    """A 429 page when the member changed their enrollments too often (each change emails them).

    ``enrollment_change`` in ACCOUNT_RATE_LIMITS: per member and training (the key), and per
    member over all trainings, in one Redis round trip (core.throttle). Counted before anything
    is looked at, so a refused request changes nothing and sends nothing.
    """
    if throttle.consume(request, action="enrollment_change", key=f"{request.user.pk}:{training.pk}"):
        return None
    message = _("You have changed your enrollment too often in a short time. Please wait a few minutes and try again.")
    return render(request, "429.html", {"message": message, "back_url": training.url}, status=429)


@never_cache
@require_POST
def enroll(request, training_id: int):
    training = _training(request, training_id)
    if not request.user.is_authenticated:
        return redirect_to_login(training.url + "#pendaftaran")
    if refused := _too_many_changes(request, training):
        return refused
    member = accounts.member_of(user=request.user)
    if member is None:
        return render(request, "members/no_profile.html", status=200)
    try:
        result = enrollment.enroll(member=member, training=training)
    except enrollment.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ENROLLED_MESSAGES[result.status])
    # Back where the member clicked (no site root paths to read for the training's URL then).
    return redirect((redirects.came_from(request) or training.url) + "#pendaftaran")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, training_id: int):
    """GET: ask to confirm (a page, no script needed); POST: cancel the member's own enrollment."""
    training = _training(request, training_id)
    if request.method == "POST" and (refused := _too_many_changes(request, training)):
        return refused  # the confirmation page (GET) changes nothing and is not counted
    member = accounts.member_of(user=request.user)
    mine = enrollment.active_enrollment(member=member, training=training) if member else None
    if mine is None:
        raise Http404(_("You have no active enrollment in this training."))
    # Back where the member clicked: the dashboard, or the training page.
    dashboard_url = reverse("members:dashboard")
    from_dashboard = request.POST.get("next", request.GET.get("next")) == dashboard_url
    back_url = dashboard_url if from_dashboard else training.url
    if request.method == "GET":
        refusal = enrollment.cancel_refusal(enrollment=mine)
        return render(
            request,
            "members/cancel.html",
            {
                "item": enrollment.my_training(enrollment=mine),
                "refusal": refusal.message if refusal else None,
                "next": dashboard_url if from_dashboard else "",
                "back_url": back_url,
            },
        )
    try:
        enrollment.cancel(enrollment=mine)
    except enrollment.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your enrollment has been cancelled."))
    return redirect(back_url)


@never_cache
@login_required
@require_POST
def calendar_rotate(request):
    """A new private calendar address (after it was shared by mistake): the old one stops working."""
    member = accounts.member_ensure(user=request.user)
    accounts.member_calendar_token_rotate(member=member)
    messages.success(
        request,
        _("Your calendar address has been changed. Subscribe again with the new address; the old one no longer works."),
    )
    return redirect(reverse("members:dashboard") + "#kalender")


@never_cache
def calendar_feed(request, token: str):
    """The member's private calendar subscription: the secret token is the key."""
    member = get_object_or_404(Member, calendar_token=token, user__isnull=False)
    trainings = enrollment.member_calendar_trainings(member=member)
    return calendar_response(trainings, request=request, name=_("My trainings"), filename="pelatihan-saya.ics")


# -- what a member receives: /anggota/kabar/ and the one-click stop --------------------------------


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def preferences(request, member):
    """The member chooses what the branch emails them besides their own enrollments."""
    if request.method == "POST" and "address_works" in request.POST:
        if announcements.address_refusal_clear(member=member, by=request.user):
            messages.success(request, _("Thank you. The next announcements will be sent to your address again."))
        return redirect("members:preferences")
    if request.method == "POST":
        announcements.subscriptions_set(member=member, announcements=request.POST.get("announcements") == "on")
        messages.success(request, _("Your choices have been saved."))
        return redirect("members:preferences")
    return render(request, "members/preferences.html", {"member": member})


# -- certificates ------------------------------------------------------------------------------


@never_cache
@member_required
def certificate_download(request, member, number: str):
    """The member's own certificate as a PDF (drawn now, from the row: a reissue shows at once)."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrollment"), number=number, enrollment__member=member
    )
    if not certificate.is_valid:
        return render(request, "members/certificate_revoked.html", {"certificate": certificate}, status=410)
    response = HttpResponse(certificates.render_pdf(certificate=certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sertifikat-{certificate.number}.pdf"'
    return response


@never_cache
def certificate_verify(request, number: str):
    """``/sertifikat/<number>/``, public (the QR code on the certificate): valid or revoked, with the
    holder's name, the training and its dates; nothing more."""
    certificate = Certificate.objects.filter(number=number.upper()).first()
    status = 200 if certificate is not None else 404
    return render(
        request, "members/certificate_verify.html", {"certificate": certificate, "number": number}, status=status
    )


# -- the member card (KTA) -----------------------------------------------------------------------


def _own_card(member: Member) -> cards.MemberCard:
    card = cards.member_card(member=member)
    if card is None:
        raise Http404(_("Your member card is ready once the branch has verified your membership."))
    return card


@never_cache
@member_required
def card_pdf(request, member):
    """The card to print (ID-1 size, front and back), from the same data as the dashboard's."""
    card = _own_card(member)
    pdf = cards.card_pdf(card, photo=cards.member_photo(member=member))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kta-{card.number.replace("/", "-")}.pdf"'
    return response


@never_cache
@member_required
def card_qr(request, member):
    """The card's QR code as a picture (the dashboard's card shows it)."""
    return HttpResponse(cards.card_qr_png(_own_card(member)), content_type="image/png")


@never_cache
@member_required
def card_photo(request, member):
    """The member's own photo, for their card: nobody else's, and never from /media/."""
    photo = cards.member_photo(member=member)
    if photo is None:
        raise Http404
    return HttpResponse(photo, content_type="image/jpeg")


@never_cache
@member_required
@require_POST
def photo(request, member):
    """Upload (``photo``) or remove (``remove``) the photo on the member card."""
    form = PhotoForm(request.POST, request.FILES)
    if request.POST.get("remove"):
        accounts.member_photo_remove(member=member)
        messages.success(request, _("Your photo has been removed."))
        return redirect(reverse("members:profile") + "#foto")
    if form.is_valid():
        try:
            accounts.member_photo_set(member=member, upload=form.cleaned_data["photo"])
        except ValidationError as error:
            form.add_error("photo", error)
        else:
            messages.success(request, _("Your photo has been saved. It appears on your member card."))
            return redirect(reverse("members:profile") + "#foto")
    profile_form = ProfileForm(instance=member)
    return render(
        request, "members/profile.html", {"form": profile_form, "photo_form": form, "member": member}, status=400
    )


@never_cache
def card_check(request, number: str):
    """Public: is this member card valid? Valid, suspended or unknown, with the name, PAC and level only.

    Read from the database on every request (a suspension shows at once); throttled per address,
    so numbers are not read out one after the other.
    """
    if not throttle.consume(request, action="member_card_check"):
        message = _("Too many checks in a short time. Please wait a minute and try again.")
        return render(request, "429.html", {"message": message, "back_url": "/"}, status=429)
    check = cards.card_check(number=number[:50])
    status = 404 if check.state == cards.CardState.UNKNOWN else 200
    return render(request, "members/card_check.html", {"check": check}, status=status)
