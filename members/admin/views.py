"""Staff pages in the Wagtail admin: attendance sheet, check-in at the venue, member import.

Registered through ``register_admin_urls`` (members/wagtail_hooks.py, with members/admin/urls.py),
so Wagtail's admin access check runs first: members without admin access never reach them.
Each page then checks its own permission (members/permissions.py). Every change goes through
members.enrollment or members.imports.
"""

from __future__ import annotations

import csv
import itertools

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages
from wagtail.admin.auth import require_admin_access
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry

from programs import sessions
from programs.models import TrainingPage

from .. import attendance, imports, scope
from .. import tasks as member_tasks
from ..enrollment import EnrollmentError
from ..models import Enrollment, Member
from ..permissions import CHANGE_ENROLLMENT, IMPORT_MEMBERS, VIEW_ENROLLMENT
from .access import require_checkin_access, require_permission, scoped_queryset
from .forms import CheckinTrainingForm, ImportForm, MemberEmailForm

CHECKIN_SESSION_KEY = "checkin_training_id"
IMPORT_REFRESH_SECONDS = 3

Status = Enrollment.Status


# -- attendance sheet -------------------------------------------------------------------------


def attendance_sheet(request, training_id):
    """A printable list of a training's confirmed participants with a signature column."""
    require_permission(request, VIEW_ENROLLMENT)
    training = get_object_or_404(TrainingPage, pk=training_id)
    # A sub-branch coordinator's sheet lists the participants of their districts (all of them
    # when their PAC runs the training).
    participants = (
        scoped_queryset(request.user, Enrollment.objects.filter(training=training, status=Status.CONFIRMED))
        .select_related("member__district")
        .order_by("member__full_name", "pk")
    )
    return TemplateResponse(
        request, "members/admin/attendance_sheet.html", {"training": training, "participants": participants}
    )


# -- check-in at the venue ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def checkin_start(request):
    """The coordinator picks the training being held; codes of other trainings are then refused.

    ``?training=<id>`` (the links on the dashboard and the participants list) preselects one.
    """
    require_permission(request, CHANGE_ENROLLMENT)
    chosen = request.GET.get("training") or request.session.get(CHECKIN_SESSION_KEY)
    form = CheckinTrainingForm(request.POST or None, initial={"training": chosen})
    if request.method == "POST" and form.is_valid():
        training = form.cleaned_data["training"]
        if training:
            request.session[CHECKIN_SESSION_KEY] = training.pk
        else:
            request.session.pop(CHECKIN_SESSION_KEY, None)
        return redirect("members_checkin_start")
    selected = TrainingPage.objects.filter(pk=request.session.get(CHECKIN_SESSION_KEY)).first()
    return TemplateResponse(request, "members/admin/checkin_start.html", {"form": form, "selected": selected})


def checkin_refusal(enrollment: Enrollment, selected_training_id: int | None) -> str:
    """Why this code may not be checked in now ('' when it may), in the coordinator's words."""
    selected = None
    if selected_training_id and enrollment.training_id != selected_training_id:
        selected = TrainingPage.objects.filter(pk=selected_training_id).first()
    _code, refusal = attendance.checkin_refusal(enrollment=enrollment, training=selected)
    if refusal:
        return refusal
    session = sessions.current_session(training=enrollment.training)
    present = attendance.session_attendance(enrollment=enrollment, session=session) if session else None
    if present is not None:
        when = timezone.localtime(present.attended_at)
        return _("Already checked in on %(when)s.") % {"when": date_format(when, "j F Y, H:i")}
    return ""


@require_http_methods(["GET", "POST"])
def checkin(request, token):
    """Scanned from the participant's QR code with any camera app (or opened from the participants
    list): who it is, and attendance at today's session recorded on POST (members.attendance).

    Far from the training's sessions (``attendance.checkin_warning``) the first POST only warns; a
    second one with ``outside_window`` records. With a ``next`` (the participants list it came
    from) a recorded check-in returns there.
    """
    require_permission(request, CHANGE_ENROLLMENT)
    enrollment = get_object_or_404(
        scoped_queryset(request.user, Enrollment.objects.select_related("member__district", "training")), token=token
    )
    require_checkin_access(request, enrollment.training)
    next_url = get_valid_next_url_from_request(request)
    selected_id = request.session.get(CHECKIN_SESSION_KEY)
    refusal = checkin_refusal(enrollment, selected_id)
    warning = ""
    checked_in = False
    if request.method == "POST" and not refusal:
        warning = attendance.checkin_warning(training=enrollment.training)
        if not warning or request.POST.get("outside_window"):
            try:
                enrollment = attendance.mark_attended(enrollment=enrollment, by=request.user)
                checked_in = True
            except EnrollmentError as error:
                refusal = error.message
    if checked_in and next_url:
        messages.success(
            request,
            _("%(name)s is recorded as present.") % {"name": enrollment.member.full_name},
        )
        return redirect(next_url)
    context = {
        "enrollment": enrollment,
        "refusal": refusal,
        "warning": "" if checked_in else warning,
        "checked_in": checked_in,
        "next_url": next_url,
    }
    return TemplateResponse(request, "members/admin/checkin.html", context, status=409 if refusal else 200)


# -- import of members -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_members(request):
    """The upload: the file's bounds are checked here, the rows by a worker (an ImportJob)."""
    require_permission(request, IMPORT_MEMBERS)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with transaction.atomic():
                    job = imports.import_job_create(
                        upload=upload, dry_run=form.cleaned_data["dry_run"], by=request.user
                    )
                    member_tasks.queue_import_job(job_id=job.pk)
                return redirect("members_import_job", job_id=job.pk)
            except imports.ImportFileError as error:
                form.add_error("file", error.message)
                status = 400
        else:
            status = 400
    jobs = imports.import_jobs_visible(user=request.user)[:5]
    return TemplateResponse(request, "members/admin/import.html", {"form": form, "jobs": jobs}, status=status)


def import_jobs(request):
    require_permission(request, IMPORT_MEMBERS)
    jobs = imports.import_jobs_visible(user=request.user)[:200]
    return TemplateResponse(request, "members/admin/import_jobs.html", {"jobs": jobs})


def import_job(request, job_id):
    """A job's progress; the page reloads itself (a meta refresh, no script) until the job ends."""
    require_permission(request, IMPORT_MEMBERS)
    job = get_object_or_404(imports.import_jobs_visible(user=request.user), pk=job_id)
    refused = job.rows.filter(result=imports.Result.REFUSED).order_by("number")[:50]
    context = {
        "job": job,
        "refused": refused,
        "refresh_seconds": IMPORT_REFRESH_SECONDS,
        "report_expired": imports.import_report_expired(job=job),
        "report_retention_days": imports.REPORT_RETENTION.days,
    }
    return TemplateResponse(request, "members/admin/import_job.html", context)


def import_job_report(request, job_id):
    """Every row of the file with what the import did with it, as CSV (Excel set to Indonesian reads ``;``)."""
    require_permission(request, IMPORT_MEMBERS)
    job = get_object_or_404(imports.import_jobs_visible(user=request.user), pk=job_id)
    if imports.import_report_expired(job=job):
        raise Http404
    echo = _Echo()
    writer = csv.writer(echo, delimiter=";")
    lines = (writer.writerow(line) for line in imports.import_job_report(job=job))
    response = StreamingHttpResponse(itertools.chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laporan-impor-{job.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def member_email(request, member_id):
    """Add the email of a member without a login: the login is made and the invitation goes out."""
    require_permission(request, IMPORT_MEMBERS)
    member = get_object_or_404(
        scoped_queryset(request.user, Member.objects.all()), pk=member_id, user__isnull=True, anonymised_at__isnull=True
    )
    form = MemberEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            imports.member_email_add(member=member, email=form.cleaned_data["email"], by=request.user)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("%(name)s now has a login: an invitation to set a password was sent to %(email)s.")
                % {"name": member.full_name, "email": form.cleaned_data["email"]},
            )
            return redirect("wagtailsnippets_members_member:list")
    status = 400 if form.errors else 200
    return TemplateResponse(request, "members/admin/member_email.html", {"form": form, "member": member}, status=status)


class _Echo:
    def write(self, value):
        return value


# -- the site history, within the district scope ------------------------------------------------


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history (and its export), where a sub-branch coordinator reads only the audit
    entries about members and participants of their scope: an entry's label names the person.

    Served at Wagtail's own addresses (config/urls.py puts it before the admin's patterns).
    """

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        user = self.request.user
        if queryset.model is not ModelLogEntry or not scope.is_scoped(user):
            return queryset
        member_type = ContentType.objects.get_for_model(Member)
        enrollment_type = ContentType.objects.get_for_model(Enrollment)

        def ids(model):
            rows = scoped_queryset(user, model.objects.all())
            return rows.annotate(text_pk=Cast("pk", CharField())).values("text_pk")

        return queryset.filter(
            ~Q(content_type__in=[member_type, enrollment_type])
            | Q(content_type=member_type, object_id__in=ids(Member))
            | Q(content_type=enrollment_type, object_id__in=ids(Enrollment))
        )


site_history = require_admin_access(SiteHistoryView.as_view())
site_history_results = require_admin_access(SiteHistoryView.as_view(results_only=True))
