import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import accounts
from .forms import DeleteAccountForm, ProfileForm
from .models import Member

# Every view here works on request.user's own data: no IDs in URLs, nothing to guess.


@never_cache
@login_required
def dashboard(request):
    member = accounts.member_ensure(user=request.user)
    return render(
        request,
        "members/dashboard.html",
        {
            "member": member,
            "completeness": accounts.member_completeness(member=member),
            "can_enroll": accounts.member_can_enroll(member=member),
            "Status": Member.Status,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    member = accounts.member_ensure(user=request.user)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.member_update_profile(
                member=member, privacy_agreed=form.cleaned_data["privacy_agreed"], **form.profile_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("members:dashboard")
    return render(request, "members/profile.html", {"form": form, "member": member})


@never_cache
@login_required
def data_export(request):
    data = accounts.member_export(user=request.user)
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
        accounts.member_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data have been deleted."))
        return redirect("/")
    return render(request, "members/delete_account.html", {"form": form})


def privacy(request):
    language = "en" if get_language() == "en" else "id"
    return render(request, f"members/privacy_{language}.html")
