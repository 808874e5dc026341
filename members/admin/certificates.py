"""Certificates in the admin: the listing (a snippet viewset), issuing a training's, revoking, reissuing.

Coordinators see certificates where they see participants (``VIEW_ENROLLMENT``) and act on them
where they act on participants (``CHANGE_ENROLLMENT``); every change goes through
members.certificates. Nobody edits a certificate row by hand.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.widgets import Button
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from programs.models import TrainingPage

from .. import attendance, certificates
from ..certificates import CertificateError
from ..models import Certificate
from ..permissions import CHANGE_ENROLLMENT, VIEW_ENROLLMENT
from .access import require_permission


class CertificatePolicy(ModelPermissionPolicy):
    """Seen with the participants' right to see, never added, edited or deleted by hand."""

    def user_has_permission(self, user, action):
        if action == "view":
            return user.is_active and user.has_perm(VIEW_ENROLLMENT)
        return False

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Certificates")
    menu_order = 262
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "number",
        "holder_name",
        Column("training_title", label=gettext_lazy("Training")),
        DateColumn("issued_at", label=gettext_lazy("Issued at")),
        StatusTagColumn(
            "status",
            accessor=lambda certificate: pgettext("certificate", "Valid") if certificate.is_valid else _("Revoked"),
            primary=False,
        ),
    ]
    list_filter = ["enrollment__training"]
    search_fields = ["number", "holder_name", "training_title"]
    search_backend_name = None
    list_per_page = 100
    inspect_view_fields = [
        "number",
        "holder_name",
        "training_title",
        "training_dates",
        "issued_at",
        "version",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
    ]

    def get_queryset(self, request):
        return Certificate.objects.select_related("enrollment__training")


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked? (kept for the branch, not shown publicly)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


def certificate_buttons(snippet, user, next_url=None) -> list[Button]:
    if not isinstance(snippet, Certificate) or not user.has_perm(VIEW_ENROLLMENT):
        return []
    buttons = [
        Button(_("Download (PDF)"), url=reverse("members_certificate_pdf", args=[snippet.pk]), icon_name="download")
    ]
    if user.has_perm(CHANGE_ENROLLMENT):
        if snippet.is_valid:
            buttons.append(
                Button(_("Revoke"), url=reverse("members_certificate_revoke", args=[snippet.pk]), icon_name="cross")
            )
        buttons.append(
            Button(
                _("Reissue (name as it is now)"),
                url=reverse("members_certificate_reissue", args=[snippet.pk]),
                icon_name="rotate",
            )
        )
    return buttons


def training_certificate_buttons(page, user, priority: int) -> list[Button]:
    if page.specific_class is not TrainingPage or not user.has_perm(CHANGE_ENROLLMENT):
        return []
    url = reverse("members_certificates_issue", args=[page.pk])
    return [Button(_("Certificates"), url=url, icon_name="doc-full", priority=priority)]


def certificate_pdf(request, certificate_id):
    require_permission(request, VIEW_ENROLLMENT)
    certificate = get_object_or_404(Certificate.objects.select_related("enrollment"), pk=certificate_id)
    response = HttpResponse(certificates.render_pdf(certificate=certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sertifikat-{certificate.number}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def revoke(request, certificate_id):
    require_permission(request, CHANGE_ENROLLMENT)
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificates.revoke(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except CertificateError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Certificate %(number)s is revoked.") % {"number": certificate.number})
            return redirect("wagtailsnippets_members_certificate:list")
    context = {"certificate": certificate, "form": form, "action": "revoke"}
    return TemplateResponse(
        request, "members/admin/certificate_action.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def reissue(request, certificate_id):
    require_permission(request, CHANGE_ENROLLMENT)
    certificate = get_object_or_404(Certificate.objects.select_related("enrollment__member"), pk=certificate_id)
    if request.method == "POST":
        certificates.reissue(certificate=certificate, by=request.user)
        messages.success(
            request,
            _("Certificate %(number)s is issued again; the member gets an email.") % {"number": certificate.number},
        )
        return redirect("wagtailsnippets_members_certificate:list")
    context = {"certificate": certificate, "current_name": certificate.enrollment.member.full_name, "action": "reissue"}
    return TemplateResponse(request, "members/admin/certificate_action.html", context)


@require_http_methods(["GET", "POST"])
def issue(request, training_id):
    """A training's certificates: who completed it (the threshold across its sessions), and issuing them."""
    require_permission(request, CHANGE_ENROLLMENT)
    training = get_object_or_404(TrainingPage, pk=training_id)
    refusal = certificates.issue_refusal(training=training)
    if request.method == "POST" and refusal is None:
        issued = certificates.issue_for_training(training=training, by=request.user)
        messages.success(request, _("Certificates issued: %(count)d.") % {"count": len(issued)})
        return redirect(reverse("wagtailsnippets_members_certificate:list") + f"?enrollment__training={training.pk}")
    completed = attendance.completed(training=training)
    issued = set(Certificate.objects.filter(enrollment__training=training).values_list("enrollment_id", flat=True))
    context = {
        "training": training,
        "refusal": refusal.message if refusal else "",
        "completed": completed,
        "to_issue": [enrollment for enrollment in completed if enrollment.pk not in issued],
        "held": len(training.days),
        "threshold": training.attendance_threshold,
    }
    return TemplateResponse(request, "members/admin/certificates_issue.html", context)
