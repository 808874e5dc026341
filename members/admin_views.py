"""Staff pages in the Wagtail admin: attendance sheet, check-in at the venue, member import, dashboard panels.

Registered through ``register_admin_urls`` (members/wagtail_hooks.py), so Wagtail's
admin access check runs first: members without admin access never reach them.
Every change goes through members.enrollment or members.imports.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.utils import get_valid_next_url_from_request

from programs.models import ProgramPage, TrainingPage

from . import admin_listing, imports
from . import enrollment as enrollment_service
from . import tasks as member_tasks
from .admin_forms import MemberEmailForm
from .enrollment import EnrollmentError
from .models import Enrollment, Member

VIEW_PERMISSION = "members.view_enrollment"
ACT_PERMISSION = "members.change_enrollment"
IMPORT_PERMISSION = imports.IMPORT_PERMISSION
CHECKIN_SESSION_KEY = "checkin_training_id"

Status = Enrollment.Status


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


# -- attendance sheet -------------------------------------------------------------------------


def attendance_sheet(request, training_id):
    """A printable list of a training's confirmed participants with a signature column."""
    _require(request, VIEW_PERMISSION)
    training = get_object_or_404(TrainingPage, pk=training_id)
    participants = (
        Enrollment.objects.filter(training=training, status=Status.CONFIRMED)
        .select_related("member__district")
        .order_by("member__full_name", "pk")
    )
    return TemplateResponse(
        request, "members/admin/attendance_sheet.html", {"training": training, "participants": participants}
    )


# -- check-in at the venue ---------------------------------------------------------------------


class CheckinTrainingForm(forms.Form):
    training = forms.ModelChoiceField(
        label=gettext_lazy("Training at this venue"),
        queryset=TrainingPage.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any training"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        since = timezone.now() - timedelta(days=7)
        self.fields["training"].queryset = TrainingPage.objects.filter(starts_at__gte=since).order_by("starts_at")


@require_http_methods(["GET", "POST"])
def checkin_start(request):
    """The coordinator picks the training being held; codes of other trainings are then refused.

    ``?training=<id>`` (the links on the dashboard and the participants list) preselects one.
    """
    _require(request, ACT_PERMISSION)
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
    if selected_training_id and enrollment.training_id != selected_training_id:
        return _("This code belongs to another training: %(training)s.") % {"training": enrollment.training.title}
    if enrollment.status == Status.CANCELLED:
        return _("This enrollment was cancelled.")
    if enrollment.status == Status.REJECTED:
        return _("This enrollment was not approved.")
    if enrollment.status == Status.WAITLISTED:
        return _("This person is on the waiting list, not a confirmed participant.")
    if enrollment.status == Status.PENDING:
        return _("This request is still awaiting approval.")
    if enrollment.attended:
        when = timezone.localtime(enrollment.attended_at)
        return _("Already checked in on %(when)s.") % {"when": date_format(when, "j F Y, H:i")}
    return ""


@require_http_methods(["GET", "POST"])
def checkin(request, token):
    """Scanned from the participant's QR code (or opened from the participants list): who it is, and
    attendance recorded on POST.

    Far from the training's time (``enrollment.checkin_warning``) the first POST only warns; a
    second one with ``outside_window`` records. With a ``next`` (the participants list it came
    from) a recorded check-in returns there.
    """
    _require(request, ACT_PERMISSION)
    enrollment = get_object_or_404(Enrollment.objects.select_related("member__district", "training"), token=token)
    next_url = get_valid_next_url_from_request(request)
    selected_id = request.session.get(CHECKIN_SESSION_KEY)
    refusal = checkin_refusal(enrollment, selected_id)
    warning = ""
    checked_in = False
    if request.method == "POST" and not refusal:
        warning = enrollment_service.checkin_warning(training=enrollment.training)
        if not warning or request.POST.get("outside_window"):
            try:
                enrollment = enrollment_service.mark_attended(enrollment=enrollment, by=request.user)
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


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV or XLSX with a header row)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 10 MB)."))
        return upload


@require_http_methods(["GET", "POST"])
def import_members(request):
    """The upload: the file's bounds are checked here, the rows by a worker (an ImportJob)."""
    _require(request, IMPORT_PERMISSION)
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
    _require(request, IMPORT_PERMISSION)
    jobs = imports.import_jobs_visible(user=request.user)[:200]
    return TemplateResponse(request, "members/admin/import_jobs.html", {"jobs": jobs})


def import_job(request, job_id):
    """A job's progress; the page reloads itself (a meta refresh, no script) until the job ends."""
    _require(request, IMPORT_PERMISSION)
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
    _require(request, IMPORT_PERMISSION)
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
    _require(request, IMPORT_PERMISSION)
    member = get_object_or_404(Member, pk=member_id, user__isnull=True, anonymised_at__isnull=True)
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


IMPORT_REFRESH_SECONDS = 3


class _Echo:
    def write(self, value):
        return value


# -- dashboard panels --------------------------------------------------------------------------


class UpcomingTrainingsPanel(Component):
    """Today's and the coming trainings, each with what a coordinator opens on the day."""

    name = "members_upcoming_trainings"
    template_name = "members/admin/panels/upcoming_trainings.html"
    order = 50
    limit = 8

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        today = timezone.localdate()
        start_of_today = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
        trainings = list(
            TrainingPage.objects.live().filter(ends_at__gte=start_of_today).order_by("starts_at", "pk")[: self.limit]
        )
        seats = enrollment_service.seats_by_training(trainings=trainings)
        may_check_in = self.user.has_perm(ACT_PERMISSION)
        rows = []
        for training in trainings:
            counted = seats[training.pk]
            rows.append(
                {
                    "training": training,
                    "today": timezone.localdate(training.starts_at) <= today,
                    "capacity": counted.capacity,
                    "percent": round(100 * counted.confirmed / counted.capacity) if counted.capacity else 0,
                    "participants_url": admin_listing.participants_url(training),
                    "attendance_sheet_url": admin_listing.attendance_sheet_url(training),
                    "checkin_url": admin_listing.checkin_start_url(training) if may_check_in else "",
                    "confirmed": counted.confirmed,
                    "waitlisted": counted.waitlisted,
                    "pending": counted.pending,
                }
            )
        return {"rows": rows}


class PendingMembersPanel(Component):
    name = "members_pending"
    template_name = "members/admin/panels/pending_members.html"
    order = 60

    def get_context_data(self, parent_context=None):
        return {
            "count": Member.objects.filter(anonymised_at__isnull=True, status=Member.Status.PENDING).count(),
            "url": reverse("wagtailsnippets_members_member:list") + "?status=pending",
        }


CHART_MONTHS = 6
CHART_WIDTH, CHART_HEIGHT, CHART_BASELINE = 360, 140, 110


def _months_back(today, count):
    months = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def enrollment_chart(*, today=None, months: int = CHART_MONTHS) -> list[dict]:
    """Per program: enrollments (by month requested) and attendance (by month of the training), as SVG bars.

    "Enrolled" counts the enrollments that still stand (confirmed, waiting list, awaiting
    approval): a cancelled or rejected request is no enrollment any more.
    """
    today = today or timezone.localdate()
    month_keys = _months_back(today, months)
    first = timezone.make_aware(timezone.datetime(*month_keys[0], 1))
    charts = []
    for program in ProgramPage.objects.live().order_by("path"):
        training_ids = list(TrainingPage.objects.child_of(program).values_list("pk", flat=True))
        enrolled, attended = defaultdict(int), defaultdict(int)
        rows = (
            Enrollment.objects.filter(
                training_id__in=training_ids, requested_at__gte=first, status__in=Enrollment.ACTIVE_STATUSES
            )
            .annotate(month=TruncMonth("requested_at"))
            .values("month")
            .annotate(total=Count("pk"))
        )
        for row in rows:
            enrolled[(row["month"].year, row["month"].month)] += row["total"]
        rows = (
            Enrollment.objects.filter(training_id__in=training_ids, attended=True, attended_at__gte=first)
            .annotate(month=TruncMonth("attended_at"))
            .values("month")
            .annotate(total=Count("pk"))
        )
        for row in rows:
            attended[(row["month"].year, row["month"].month)] += row["total"]
        peak = max([*enrolled.values(), *attended.values(), 1])
        slot = (CHART_WIDTH - 20) / len(month_keys)
        bars = []
        for index, key in enumerate(month_keys):
            x = 20 + index * slot
            for offset, (kind, values) in enumerate((("enrolled", enrolled), ("attended", attended))):
                height = round((CHART_BASELINE - 15) * values[key] / peak)
                bars.append(
                    {
                        "kind": kind,
                        "x": round(x + 4 + offset * (slot / 2 - 4)),
                        "y": CHART_BASELINE - height,
                        "width": round(slot / 2 - 6),
                        "height": height,
                        "value": values[key],
                    }
                )
        labels = [
            {"x": round(20 + index * slot + slot / 2), "text": date_format(timezone.datetime(*key, 1), "M")}
            for index, key in enumerate(month_keys)
        ]
        charts.append(
            {
                "program": program,
                "bars": bars,
                "labels": labels,
                "total_enrolled": sum(enrolled.values()),
                "total_attended": sum(attended.values()),
            }
        )
    return charts


class EnrollmentChartPanel(Component):
    name = "members_enrollment_chart"
    template_name = "members/admin/panels/enrollment_chart.html"
    order = 80

    def get_context_data(self, parent_context=None):
        return {
            "charts": enrollment_chart(),
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "baseline": CHART_BASELINE,
            "label_y": CHART_BASELINE + 18,
        }


def dashboard_panels(request) -> list[Component]:
    user = request.user
    panels = []
    if user.has_perm(VIEW_PERMISSION):
        panels.append(UpcomingTrainingsPanel(user))
    if user.has_perm("members.verify_member"):
        panels.append(PendingMembersPanel())
    # Failed deliveries: the outbox's own panel (tasks/wagtail_hooks.py).
    if user.has_perm(VIEW_PERMISSION):
        panels.append(EnrollmentChartPanel())
    return panels
