"""Work programs, their trainings and partners.

Nothing here counts seats or enrollments (docs/architecture.md, facts of the stack): a Wagtail
publish rewrites every page field from the revision, so the enrollment app keeps its counters
in its own rows.

Longer than 400 lines on purpose: a Wagtail page model is its fields, panels, validation and
rendering (``get_context``, routes for the .ics) together, as Wagtail lays pages out; the
training page is most of it. Rules about time and eligibility live in programs/schedule.py,
changes in programs/changes.py.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page, Site
from wagtail.search import index

from core import pagecache, visibility
from core.pages import ServedPageMixin

from . import schedule
from .blocks import SessionsBlock
from .forms import TrainingPageForm
from .schedule import CadreLevel, Gender, TrainingStatus


class Partner(models.Model):
    """An organisation that works with the branch on a program (a snippet)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government office")
        BANK = "bank", _("Bank")
        COMPANY = "company", _("Company")
        COMMUNITY = "community", _("Community")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    logo = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link = models.URLField(_("link"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("kind"), FieldPanel("logo"), FieldPanel("link"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


# The partner list template asks for exactly this rendition (WebP keeps a logo's transparency).
PARTNER_LOGO_FILTER = "max-160x80|format-webp"
PROGRAM_CARD_FILTER = "fill-640x360|format-webp"


def with_logos(partners):
    """Partners with their logos and logo renditions fetched up front (no query per logo)."""
    return partners.prefetch_related(
        Prefetch("logo", queryset=get_image_model().objects.prefetch_renditions(PARTNER_LOGO_FILTER))
    )


def upcoming_trainings(*, now=None, limit: int | None = None):
    """Live trainings that have not ended yet, soonest first, with their program titles.

    Two queries whatever the number of trainings: the trainings (districts prefetched) and
    the titles of their programs.
    """
    now = now or timezone.now()
    trainings = list(
        visibility.public(TrainingPage.objects.live())
        .filter(ends_at__gt=now)
        .order_by("starts_at", "pk")
        .prefetch_related("districts")[:limit]
    )
    attach_programs(trainings)
    return trainings


def expire_with(trainings, *, now) -> None:
    """The page being rendered shows these trainings' enrollment state (or lists them until
    they end): an anonymous visitor's copy of it is kept only until one of them changes by itself."""
    for training in trainings:
        pagecache.valid_until(training.next_change(now))


def attach_programs(trainings) -> None:
    """Set ``training.program`` (the parent ProgramPage) on each training in one query."""
    steplen = Page.steplen
    parent_paths = {training.path[:-steplen] for training in trainings}
    programs = {program.path: program for program in ProgramPage.objects.filter(path__in=parent_paths)}
    for training in trainings:
        training.program = programs.get(training.path[:-steplen])


class ProgramIndexPage(RoutablePageMixin, ServedPageMixin, Page):
    """``/program/``: the work programs and every upcoming training."""

    intro = models.TextField(_("intro"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["programs.ProgramPage"]
    max_count = 1
    cache_anonymous = True  # core/pagecache.py

    class Meta:
        verbose_name = _("program index")

    @property
    def share_description(self) -> str:  # home.sharing
        return self.search_description or self.intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        context["now"] = now
        context["programs"] = (
            visibility.public(ProgramPage.objects.child_of(self).live())
            .prefetch_related(
                # Each card's photo and its rendition up front (programs/program_index_page.html)
                Prefetch("featured_image", queryset=get_image_model().objects.prefetch_renditions(PROGRAM_CARD_FILTER))
            )
            .order_by("-period_start")
        )
        context["trainings"] = upcoming_trainings(now=now)
        expire_with(context["trainings"], now=now)
        return context

    @path("kalender.ics/", name="calendar")
    def calendar(self, request):
        from .ical import calendar_response

        return calendar_response(
            upcoming_trainings(), request=request, name=gettext("Trainings of %(site)s") % {"site": self.title}
        )

    @property
    def calendar_url(self) -> str:
        return f"{self.url}kalender.ics"


class ProgramPage(ServedPageMixin, Page):
    """A work program of the branch, e.g. "Pemberdayaan UMKM Kader"."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FINISHED = "finished", _("Finished")

    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences for listings."))
    goals = RichTextField(_("goals"), blank=True, features=["bold", "italic", "ol", "ul", "link"])
    body = StreamField(
        [
            ("paragraph", blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])),
            ("image", ImageBlock()),
            ("quote", blocks.BlockQuoteBlock()),
        ],
        verbose_name=_("description"),
        blank=True,
    )
    period_start = models.DateField(_("period starts"), null=True, blank=True)
    period_end = models.DateField(_("period ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    partners = ParentalManyToManyField(Partner, verbose_name=_("partners"), blank=True, related_name="programs")
    featured_image = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        verbose_name=_("featured image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("featured_image"),
        FieldPanel("goals"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]), FieldPanel("status")],
            heading=_("Period"),
        ),
        FieldPanel("partners", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("goals")]
    parent_page_types = ["programs.ProgramIndexPage"]
    subpage_types = ["programs.TrainingPage"]
    cache_anonymous = True  # core/pagecache.py
    serve_select_related = ("featured_image",)  # core/pages.py: its picture comes with the page

    class Meta:
        verbose_name = _("program")

    @property
    def share_image(self):  # home.sharing
        return self.featured_image

    @property
    def share_description(self) -> str:
        return self.search_description or self.summary

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": gettext("The period cannot end before it starts.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        trainings = list(
            visibility.public(TrainingPage.objects.child_of(self).live())
            .order_by("starts_at")
            .prefetch_related("districts")
        )
        context["now"] = now
        context["upcoming_trainings"] = [t for t in trainings if t.ends_at > now]
        expire_with(context["upcoming_trainings"], now=now)
        context["past_trainings"] = [t for t in trainings if t.ends_at <= now][::-1]
        context["partners"] = with_logos(self.partners.all())
        return context


class TrainingPage(RoutablePageMixin, ServedPageMixin, Page):
    """One training of a program: when, where, for whom and how many seats."""

    summary = models.TextField(_("summary"), help_text=_("One or two sentences: what participants will learn."))
    description = RichTextField(
        _("description"), blank=True, features=["h2", "h3", "bold", "italic", "ol", "ul", "link"]
    )
    # The days (programs/schedule.py: keep_in_step); starts_at and ends_at are their whole span,
    # set from them, and what reminders, windows and listings read.
    sessions = StreamField(
        SessionsBlock(),
        verbose_name=_("sessions (days)"),
        blank=True,
        help_text=_("One entry per day of the training, each with its own start and end (WIB)."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue_name = models.CharField(_("venue"), max_length=200)
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True)
    map_url = models.URLField(_("map link"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    # The sub-branch (PAC) that runs it: its coordinators see and manage its participants.
    organising_district = models.ForeignKey(
        "core.District",
        verbose_name=_("organising PAC"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organised_trainings",
        help_text=_("Empty: the branch organises it."),
    )
    partners = ParentalManyToManyField(Partner, verbose_name=_("partners"), blank=True, related_name="trainings")
    trainers = models.TextField(_("trainers"), blank=True, help_text=_("One per line, e.g. “Name – role”."))  # noqa: RUF001

    capacity = models.IntegerField(
        _("seats"), null=True, blank=True, help_text=_("0 or empty: no enrollment through the site.")
    )
    enrollment_opens_at = models.DateTimeField(
        _("enrollment opens"), null=True, blank=True, help_text=_("Empty: open as soon as the page is published.")
    )
    enrollment_closes_at = models.DateTimeField(
        _("enrollment closes"), null=True, blank=True, help_text=_("Empty: closes when the training starts.")
    )
    cancellation_deadline_hours = models.PositiveSmallIntegerField(
        _("cancellation deadline (hours before start)"), default=24
    )
    requires_approval = models.BooleanField(
        _("staff approve each enrollment"), default=False, help_text=_("Off: a free seat is confirmed at once.")
    )
    waitlist_offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a freed seat"),
        default=0,
        help_text=_(
            "0: a freed seat goes at once to the next person on the waiting list. Otherwise it is offered "
            "to them by email, to accept within this many hours (less when the training is close); "
            "unanswered, it passes to the next person."
        ),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder asking “Hadir?”: days before"),
        default=3,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "At 08.00 WIB, this many days before the start; each participant answers Yes or Cannot come. 0: none."
        ),
    )
    reminder_on_the_day = models.BooleanField(
        _("reminder on the morning of the day"), default=True, help_text=_("At 06.00 WIB on the day of the start.")
    )

    gender = models.CharField(_("who may join"), max_length=10, choices=Gender.choices, default=Gender.ANY)
    districts = ParentalManyToManyField(
        "core.District",
        verbose_name=_("districts"),
        blank=True,
        related_name="trainings",
        help_text=_("None ticked: cadres from every district."),
    )
    min_cadre_level = models.CharField(
        _("minimum cadre level"),
        max_length=10,
        choices=CadreLevel.choices,
        default=CadreLevel.NONE,
        help_text=_("“Not yet trained”: open to cadres of every level."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)

    signatories = models.TextField(
        _("certificate signatories"),
        blank=True,
        help_text=_("One per line, as printed under the signature: “Name – role”, at most three."),  # noqa: RUF001
    )
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance needed (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The share of the sessions a participant must attend to be counted as having completed the "
            "training (and get its certificate), e.g. 100 for one day, 70 for several."
        ),
    )

    status = models.CharField(
        _("status"), max_length=20, choices=TrainingStatus.choices, default=TrainingStatus.SCHEDULED
    )
    status_reason = models.TextField(
        _("reason"), blank=True, help_text=_("Shown to visitors when the training is cancelled or postponed.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("sessions")], heading=_("Date and time (WIB)")),
        MultiFieldPanel(
            [FieldPanel("venue_name"), FieldPanel("venue_address"), FieldPanel("map_url")],
            heading=_("Venue"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("organiser"),
                FieldPanel("organising_district"),
                FieldPanel("partners", widget=forms.CheckboxSelectMultiple),
                FieldPanel("trainers"),
            ],
            heading=_("Organiser, partners and trainers"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("capacity"),
                FieldRowPanel([FieldPanel("enrollment_opens_at"), FieldPanel("enrollment_closes_at")]),
                FieldPanel("cancellation_deadline_hours"),
                FieldPanel("requires_approval"),
                FieldPanel("waitlist_offer_hours"),
            ],
            heading=_("Enrollment"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("reminder_days_before"), FieldPanel("reminder_on_the_day")])],
            heading=_("Reminders"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("gender"),
                FieldPanel("districts", widget=forms.CheckboxSelectMultiple),
                FieldPanel("min_cadre_level"),
                FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
            ],
            heading=_("Who may join"),
        ),
        MultiFieldPanel(
            [FieldPanel("attendance_threshold"), FieldPanel("signatories")], heading=_("Attendance and certificate")
        ),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_reason")], heading=_("Status")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("venue_name"),
        index.FilterField("starts_at"),
    ]
    parent_page_types = ["programs.ProgramPage"]
    subpage_types = []
    base_form_class = TrainingPageForm
    # Seats left are part of the page: the panel that shows them (a training_page_panels hook)
    # ties the page to the seats generation.
    cache_anonymous = True  # core/pagecache.py

    class Meta:
        verbose_name = _("training")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=0),
                name="training_capacity_not_negative",
            ),
        ]

    # -- validation ---------------------------------------------------------------------------

    def full_clean(self, *args, **kwargs):
        # Before the fields are validated: the days and the span agree (a page made in code may
        # give only starts_at and ends_at; the admin form gives only the days).
        schedule.keep_in_step(self)
        super().full_clean(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = gettext("The training must end after it starts.")
        if self.capacity is not None and self.capacity < 0:
            errors["capacity"] = gettext("The number of seats cannot be negative.")
        opens, closes = self.enrollment_opens_at, self.enrollment_closes_at
        if closes and self.ends_at and closes > self.ends_at:
            errors["enrollment_closes_at"] = gettext("Enrollment cannot close after the training has ended.")
        if opens and closes and opens >= closes:
            errors["enrollment_opens_at"] = gettext("Enrollment must open before it closes.")
        elif opens and not closes and self.starts_at and opens >= self.starts_at:
            errors["enrollment_opens_at"] = gettext("Enrollment must open before the training starts.")
        if self.min_age and self.max_age and self.min_age > self.max_age:
            errors["max_age"] = gettext("The maximum age cannot be lower than the minimum age.")
        if errors:
            raise ValidationError(errors)

    # -- facts for templates and other apps ---------------------------------------------------

    def enrollment_state(self, now=None) -> schedule.EnrollmentState:
        return schedule.enrollment_state(
            now=now or timezone.now(),
            status=self.status,
            capacity=self.capacity,
            starts_at=self.starts_at,
            enrollment_opens_at=self.enrollment_opens_at,
            enrollment_closes_at=self.enrollment_closes_at,
        )

    @cached_property
    def state(self) -> schedule.EnrollmentState:
        """The enrollment state now (a page showing it declares how long: :func:`expire_with`)."""
        return self.enrollment_state(timezone.now())

    def next_change(self, now):
        """The next moment this training's enrollment state or listing changes without a publish."""
        moments = [self.enrollment_opens_at, self.enrollment_closes, self.ends_at]
        return min((moment for moment in moments if moment and moment > now), default=None)

    @property
    def enrollment_closes(self):
        """When enrollment actually closes (the start of the training when left empty)."""
        return self.enrollment_closes_at or self.starts_at

    @property
    def cancellation_deadline(self):
        return self.starts_at - timedelta(hours=self.cancellation_deadline_hours)

    def eligibility_lines(self) -> list[str]:
        return schedule.eligibility_lines(
            gender=self.gender,
            district_names=[district.name for district in self.districts.all()],
            min_cadre_level=self.min_cadre_level,
            min_age=self.min_age,
            max_age=self.max_age,
        )

    @property
    def when(self) -> str:
        """Every day, as pages, emails and calendars say it."""
        return schedule.when_of(self)

    @property
    def days(self) -> list[schedule.Session]:
        """The training's sessions, earliest first (the page and the calendar list each)."""
        return schedule.sessions_of(self)

    @property
    def trainer_list(self) -> list[str]:
        return [line.strip() for line in self.trainers.splitlines() if line.strip()]

    @property
    def signatory_list(self) -> list[tuple[str, str]]:
        """(name, role) of each signatory line, at most three."""
        return schedule.signatories(self.signatories)

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def calendar_url(self) -> str:
        return f"{self.url}kalender.ics"

    # home.sharing: shared with its program's picture, described by schema.org Event JSON-LD.
    share_type = "event"

    @cached_property
    def program(self):
        parent = self.get_parent()
        return parent.specific if parent else None

    @property
    def share_image(self):
        return getattr(self.program, "featured_image", None)

    @property
    def share_description(self) -> str:
        return self.search_description or self.summary

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        expire_with([self], now=timezone.now())  # the page shows its enrollment state
        context["program"] = self.program
        context["partners"] = with_logos(self.partners.all())
        return context

    @path("kalender.ics/", name="calendar")
    def calendar(self, request):
        from .ical import calendar_response

        return calendar_response([self], request=request, name=self.title, filename=f"{self.slug}.ics")


class TrainingSession(models.Model):
    """One day of a training as a row of its own: what attendance is recorded on.

    Made and kept by ``programs.sessions.sync`` from the page's ``sessions`` (keyed by each
    block's id, which no publish changes). Not a ParentalKey child of the page: a publish deletes
    and recreates those, and attendance must never go with them. A day removed from the page is
    marked ``withdrawn``, never deleted.
    """

    training = models.ForeignKey(TrainingPage, on_delete=models.CASCADE, related_name="session_rows")
    key = models.UUIDField(_("key"), editable=False)
    number = models.PositiveSmallIntegerField(_("day"), default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    withdrawn = models.BooleanField(_("removed from the training"), default=False)

    class Meta:
        ordering = ["training", "starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [models.UniqueConstraint(fields=["training", "key"], name="one_session_row_per_block")]

    def __str__(self):
        return f"{self.training_id} · {self.number}"

    @property
    def when(self) -> str:
        return schedule.format_wib_range(self.starts_at, self.ends_at)


class TrainingCalendarVersion(models.Model):
    """The SEQUENCE of a training's calendar event, and the facts of its last live publish.

    Raised by ``programs.changes.record_publish`` when time, venue or status change. A row of
    its own (not page fields): a publish rewrites every page field from the revision.
    """

    training = models.OneToOneField(TrainingPage, on_delete=models.CASCADE, related_name="calendar_version")
    sequence = models.PositiveIntegerField(default=0)
    # The facts (programs.changes.TrainingFacts) as participants were last told them.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue_name = models.CharField(max_length=200)
    venue_address = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=TrainingStatus.choices)
    days = models.JSONField(default=list, blank=True)  # [[start, end], ...] in ISO 8601, earliest first

    class Meta:
        verbose_name = _("calendar version")

    def __str__(self):
        return f"{self.training_id}: {self.sequence}"


def site_host(request=None) -> str:
    """The host that makes calendar UIDs globally unique; stable as long as the site's domain is."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    return (site.hostname if site else "") or urlsplit(settings.SITE_URL).hostname or "localhost"
