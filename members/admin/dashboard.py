"""The panels the staff find on the admin's home page (``construct_homepage_panels``).

Which panel a user gets follows their permissions (members/permissions.py); a panel's links
and buttons are only those its user may open (the check-in link needs ``change_enrollment``).
Every count of members or participants goes through the user's district scope (members.scope):
a sub-branch coordinator's panels count their districts only, and list only the trainings their
PAC organises (every participant of those is theirs to see, so the counts are whole).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.admin.ui.components import Component

from core.models import District
from programs.models import ProgramPage, TrainingPage

from .. import enrollment as enrollment_service
from ..models import Enrollment, Member
from ..permissions import VERIFY_MEMBER, VIEW_ENROLLMENT
from ..scope import districts_of
from .access import may_check_in, scoped_queryset
from .listing import attendance_sheet_url, participants_url, scanner_url

Status = Enrollment.Status


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
            scoped_queryset(self.user, TrainingPage.objects.live())
            .filter(ends_at__gte=start_of_today)
            .order_by("starts_at", "pk")[: self.limit]
        )
        seats = enrollment_service.seats_by_training(trainings=trainings)
        turnout = enrollment_service.turnout_by_training(trainings=trainings)
        rows = []
        for training in trainings:
            counted = seats[training.pk]
            rows.append(
                {
                    "training": training,
                    "today": timezone.localdate(training.starts_at) <= today,
                    "capacity": counted.capacity,
                    "percent": round(100 * counted.confirmed / counted.capacity) if counted.capacity else 0,
                    "participants_url": participants_url(training),
                    "attendance_sheet_url": attendance_sheet_url(training),
                    "checkin_url": scanner_url(training) if may_check_in(self.user, training) else "",
                    "confirmed": counted.confirmed,
                    "waitlisted": counted.waitlisted,
                    "pending": counted.pending,
                    "offered": counted.offered,
                    "late_cancellations": turnout[training.pk].late_cancellations,
                }
            )
        return {"rows": rows}


class PendingMembersPanel(Component):
    name = "members_pending"
    template_name = "members/admin/panels/pending_members.html"
    order = 60

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        pending = Member.objects.filter(anonymised_at__isnull=True, status=Member.Status.PENDING)
        return {
            "count": scoped_queryset(self.user, pending).count(),
            "url": reverse("wagtailsnippets_members_member:list") + "?status=pending",
        }


class RefusedAddressesPanel(Component):
    """Members whose email address the mail server refused for good: they get no announcements
    until someone fixes the address (members.announcements.address_refused)."""

    name = "members_refused_addresses"
    template_name = "members/admin/panels/refused_addresses.html"
    order = 65
    limit = 10

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        refused = scoped_queryset(
            self.user, Member.objects.filter(anonymised_at__isnull=True, email_refused_at__isnull=False)
        )
        return {
            "members": list(refused.select_related("user").order_by("-email_refused_at")[: self.limit]),
            "count": refused.count(),
        }

    def render_html(self, parent_context=None):
        context = self.get_context_data(parent_context)
        return super().render_html(parent_context) if context["count"] else ""


def sub_branch_overview(*, user, now=None) -> list[dict]:
    """Per sub-branch (PAC, one per district) the user works for: members awaiting verification,
    verified members, and how full the coming trainings the PAC organises are."""
    now = now or timezone.now()
    districts = District.objects.all()
    scope = districts_of(user)
    if scope is not None:
        districts = districts.filter(pk__in=sorted(scope))
    members = scoped_queryset(user, Member.objects.filter(anonymised_at__isnull=True, district__isnull=False))
    counts = defaultdict(dict)
    for row in members.values("district", "status").annotate(total=Count("pk")):
        counts[row["district"]][row["status"]] = row["total"]
    trainings = list(
        TrainingPage.objects.live().filter(ends_at__gte=now, organising_district__in=districts).order_by("starts_at")
    )
    seats = enrollment_service.seats_by_training(trainings=trainings)
    filled, capacity, held = defaultdict(int), defaultdict(int), defaultdict(int)
    for training in trainings:
        counted = seats[training.pk]
        held[training.organising_district_id] += 1
        filled[training.organising_district_id] += counted.confirmed
        capacity[training.organising_district_id] += counted.capacity or 0
    members_url = reverse("wagtailsnippets_members_member:list")
    rows = []
    for district in districts:
        total = capacity[district.pk]
        rows.append(
            {
                "district": district,
                "pending": counts[district.pk].get(Member.Status.PENDING, 0),
                "active": counts[district.pk].get(Member.Status.ACTIVE, 0),
                "pending_url": members_url + "?" + urlencode({"status": "pending", "district": district.pk}),
                "trainings": held[district.pk],
                "confirmed": filled[district.pk],
                "capacity": total,
                "percent": round(100 * filled[district.pk] / total) if total else None,
            }
        )
    return rows


class SubBranchPanel(Component):
    """Each PAC's members awaiting verification and the fill rate of the trainings it runs."""

    name = "members_sub_branches"
    template_name = "members/admin/panels/sub_branches.html"
    order = 65

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {"rows": sub_branch_overview(user=self.user)}


CHART_MONTHS = 6
CHART_WIDTH, CHART_HEIGHT, CHART_BASELINE = 360, 140, 110


def _months_back(today, count):
    months = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def enrollment_chart(*, user=None, today=None, months: int = CHART_MONTHS) -> list[dict]:
    """Per program: enrollments (by month requested) and attendance (by month of the training), as SVG bars.

    "Enrolled" counts the enrollments that still stand (confirmed, waiting list, awaiting
    approval): a cancelled or rejected request is no enrollment any more. With a ``user``, the
    enrollments their district scope shows (members.scope).
    """
    today = today or timezone.localdate()
    month_keys = _months_back(today, months)
    first = timezone.make_aware(timezone.datetime(*month_keys[0], 1))
    charts = []
    for program in ProgramPage.objects.live().order_by("path"):
        training_ids = list(TrainingPage.objects.child_of(program).values_list("pk", flat=True))
        enrolled, attended = defaultdict(int), defaultdict(int)
        enrollments = Enrollment.objects.all() if user is None else scoped_queryset(user, Enrollment.objects.all())
        rows = (
            enrollments.filter(
                training_id__in=training_ids, requested_at__gte=first, status__in=Enrollment.ACTIVE_STATUSES
            )
            .annotate(month=TruncMonth("requested_at"))
            .values("month")
            .annotate(total=Count("pk"))
        )
        for row in rows:
            enrolled[(row["month"].year, row["month"].month)] += row["total"]
        rows = (
            enrollments.filter(training_id__in=training_ids, attended=True, attended_at__gte=first)
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

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {
            "charts": enrollment_chart(user=self.user),
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "baseline": CHART_BASELINE,
            "label_y": CHART_BASELINE + 18,
        }


class EmptyChairsPanel(Component):
    """Trainings that ended lately: seats freed after the deadline, and confirmed people who did not come."""

    name = "members_empty_chairs"
    template_name = "members/admin/panels/empty_chairs.html"
    order = 55
    days = 60
    limit = 8

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        now = timezone.now()
        trainings = list(
            scoped_queryset(self.user, TrainingPage.objects.live())
            .filter(ends_at__lt=now, ends_at__gte=now - timezone.timedelta(days=self.days))
            .order_by("-ends_at", "-pk")[: self.limit]
        )
        turnout = enrollment_service.turnout_by_training(trainings=trainings, now=now)
        rows = [
            {"training": training, "participants_url": participants_url(training), "turnout": turnout[training.pk]}
            for training in trainings
        ]
        return {"rows": rows, "days": self.days}


def dashboard_panels(request) -> list[Component]:
    user = request.user
    panels = []
    if user.has_perm(VIEW_ENROLLMENT):
        panels.append(UpcomingTrainingsPanel(user))
        panels.append(EmptyChairsPanel(user))
    if user.has_perm(VERIFY_MEMBER):
        panels.append(PendingMembersPanel(user))
        panels.append(RefusedAddressesPanel(user))
        panels.append(SubBranchPanel(user))
    # Failed deliveries: the outbox's own panel (tasks/wagtail_hooks.py).
    if user.has_perm(VIEW_ENROLLMENT):
        panels.append(EnrollmentChartPanel(user))
    return panels
