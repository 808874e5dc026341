"""The members app's data: accounts, profiles, seats, enrollments, offers, reminders, attendance,
check-in scans, certificates, imports.

Longer than 400 lines on purpose: the models of one domain side by side, each with its own
constraints that guard the invariants; the rules that change them live in the service modules
(members.accounts, members.enrollment, members.attendance, members.certificates, members.imports).
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.roles import COORDINATOR_GROUP
from programs.schedule import CadreLevel

from .permissions import VERIFY_MEMBER, VIEW_MEMBER_NIK, codename


class UserManager(BaseUserManager):
    """Users are identified by their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.email


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def _photo_upload_to(instance, filename: str) -> str:
    # A random name: a member's photo is never found by guessing its address.
    return f"photos/{uuid.uuid4().hex}.jpg"


class Member(models.Model):
    """A cadre's profile: one per user account, filled in after sign-up on /anggota/profil/.

    State changes (registration, verification, suspension, deletion) go through
    ``members.accounts``; nothing else writes ``status`` or the ``verified_*`` fields.
    When an account is deleted the row stays, anonymised and without a user, so that
    later attendance counts keep adding up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        ACTIVE = "active", _("Verified")
        SUSPENDED = "suspended", _("Suspended")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    # One list of levels for members and trainings' minimums (programs.schedule).
    CadreLevel = CadreLevel

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(
        _("phone / WhatsApp"), max_length=20, blank=True, help_text=_("Stored in international format (E.164).")
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    district = models.ForeignKey(
        "core.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    village = models.CharField(_("village"), max_length=100, blank=True)
    cadre_level = models.CharField(_("cadre level"), max_length=10, choices=CadreLevel.choices, default=CadreLevel.NONE)
    member_number = models.CharField(_("member number"), max_length=50, blank=True)
    # The NIK (members.nik): encrypted, and a keyed hash for duplicates; never in clear in the database.
    nik_ciphertext = models.TextField(_("NIK"), blank=True, editable=False)
    nik_hash = models.CharField(_("NIK (keyed hash)"), max_length=64, blank=True, editable=False)
    nik_consent_at = models.DateTimeField(_("agreed to the NIK being stored at"), null=True, blank=True, editable=False)
    # On the member card only: kept privately (never under /media/), shown to the member themself.
    photo = models.FileField(
        _("photo"), storage=_private_storage, upload_to=_photo_upload_to, max_length=255, blank=True, editable=False
    )
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    business_name = models.CharField(_("business name"), max_length=150, blank=True)
    business_sector = models.CharField(_("business sector"), max_length=100, blank=True)
    business_description = models.TextField(_("business description"), max_length=500, blank=True)

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="id",
        help_text=_("The language of our emails to you, and of the site when you log in."),
    )
    announcements_opt_in = models.BooleanField(_("receive program announcements by email"), default=False)
    # The mail server refused the address for good (a 5xx to RCPT): no announcements go to it,
    # and the coordinators see it (members.announcements.address_refused).
    email_refused_at = models.DateTimeField(_("email address refused at"), null=True, blank=True, editable=False)
    email_refused_reply = models.CharField(_("mail server's reply"), max_length=500, blank=True, editable=False)
    privacy_agreed_at = models.DateTimeField(_("agreed to the privacy notice at"), null=True, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # The secret in the member's private calendar subscription URL.
    calendar_token = models.CharField(max_length=43, unique=True, default=new_calendar_token, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        permissions = [
            (codename(VERIFY_MEMBER), _("Can verify and suspend members")),
            (codename(VIEW_MEMBER_NIK), _("Can see and export members' whole NIK")),
        ]
        indexes = [models.Index(fields=["status", "district"], name="member_status_district_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member_number"],
                condition=~models.Q(member_number=""),
                name="one_member_per_member_number",
                violation_error_message=_("This member number already belongs to another member."),
            ),
            models.UniqueConstraint(
                fields=["nik_hash"],
                condition=~models.Q(nik_hash=""),
                name="one_member_per_nik",
                violation_error_message=_("This NIK already belongs to another member."),
            ),
        ]

    def __str__(self):
        return self.full_name or gettext("(deleted member)")

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else ""


class CoordinatorScope(models.Model):
    """The sub-branches (PAC, one per district) a coordinator works for (members.scope).

    A coordinator without one works for the whole branch. With one, they see and act on the
    members of these districts and the participants of trainings their PAC organises, and
    nothing else; a scope without districts shows nothing (never everything by mistake).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.CASCADE,
        related_name="district_scope",
        limit_choices_to={"groups__name": COORDINATOR_GROUP},
    )
    districts = models.ManyToManyField(
        "core.District",
        verbose_name=_("districts (PAC)"),
        related_name="+",
        help_text=_("The coordinator sees and manages only members of these districts."),
    )

    class Meta:
        verbose_name = _("sub-branch coordinator")
        verbose_name_plural = _("sub-branch coordinators")

    def __str__(self):
        return str(self.user)


class MemberNumberCounter(models.Model):
    """The last sequence number given in one scope of member numbers (members.numbers).

    Locked while a number is given, so two verifications at once never get the same one; it
    only goes up, so a number is never given twice, even after its member is deleted.
    """

    scope = models.CharField(_("scope"), max_length=150, unique=True)
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("member number counter")
        verbose_name_plural = _("member number counters")

    def __str__(self):
        return f"{self.scope}: {self.last}"


class TrainingSeats(models.Model):
    """The row that seat decisions for one training lock.

    Not the TrainingPage row: a Wagtail publish rewrites every page field from the
    revision, and editors' tree operations lock ``wagtailcore_page`` (docs/architecture.md).
    """

    training = models.OneToOneField(
        "programs.TrainingPage", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Counters kept by members.enrollment under this row's lock, equal at every commit to what
    # seats_by_training() counts: an enrollment takes a seat with one conditional UPDATE of
    # ``taken`` (the capacity read from the page row), and every other transition recounts.
    taken = models.PositiveIntegerField(_("seats taken"), default=0, help_text=_("Confirmed, and held by open offers."))
    waiting = models.PositiveIntegerField(_("waiting"), default=0, help_text=_("On the waiting list."))

    class Meta:
        verbose_name = _("training seats")
        verbose_name_plural = _("training seats")

    def __str__(self):
        return str(self.training_id)


class Enrollment(models.Model):
    """A member's place in a training: its status changes only through ``members.enrollment``."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waiting list")
        PENDING = "pending", _("Awaiting approval")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    ACTIVE_STATUSES = (Status.CONFIRMED, Status.WAITLISTED, Status.PENDING)

    # Not in Wagtail's reference index: a training's participants are listed in the participants
    # view, not as "usages" of its page, and indexing each enrollment cost four statements
    # under the seat lock.
    wagtail_reference_index_ignore = True

    # A deleted account leaves its Member row as an anonymous shell, so attendance counts stay.
    # Both keys are indexed by the Meta's indexes, which begin with them.
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    training = models.ForeignKey(
        "programs.TrainingPage",
        verbose_name=_("training"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The member freed a confirmed seat after the cancellation deadline ("Saya berhalangan").
    cancelled_late = models.BooleanField(_("cancelled late"), default=False)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    # A summary kept by members.attendance (never written elsewhere): True once the participant
    # was checked in to any session, attended_at the first check-in. Each session's attendance is
    # an Attendance row; listings, filters and exports read this summary.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    walk_in = models.BooleanField(_("walk-in"), default=False, help_text=_("Added at the door, not enrolled before."))
    token = models.UUIDField(_("check-in code"), default=uuid.uuid4, unique=True, editable=False)
    # What a member's own enrollment still owes after its commit: its email and its audit entry,
    # as they were at the request ({"status": ..., "position": ...}); None once recorded
    # (members.enrollment.follow_up: by the worker, or first by the enrollment's next transition).
    follow_up = models.JSONField(null=True, blank=True, default=None, editable=False)

    class Meta:
        ordering = ["requested_at", "pk"]
        # The admin's menu item and page heading both come from the plural: "Peserta".
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "training"],
                condition=models.Q(status__in=["confirmed", "waitlisted", "pending"]),
                name="one_active_enrollment_per_member_and_training",
            )
        ]
        indexes = [
            models.Index(fields=["training", "status", "requested_at"], name="members_enr_queue_idx"),
            # A member's enrollment in a training, whatever its status (the rules of every enroll
            # POST, in the training's query): one index entry. With an index on the member alone,
            # PostgreSQL intersected it with the training's whole range, which a storm makes long.
            models.Index(fields=["member", "training"], name="members_enr_member_idx"),
            # The worker's follow-ups (and their sweep) find the few rows that still owe one.
            models.Index(fields=["id"], condition=models.Q(follow_up__isnull=False), name="members_enr_follow_up_idx"),
        ]

    def __str__(self):
        return f"{self.member or '—'} · {self.training.title}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Attendance(models.Model):
    """A participant was present at one session (day) of a training: one row per (enrollment, session).

    Written only by ``members.attendance``. The session is a ``programs.TrainingSession`` row, which
    no publish deletes or recreates (not a ParentalKey child of the page).
    """

    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="attendances"
    )
    session = models.ForeignKey(
        "programs.TrainingSession", verbose_name=_("session"), on_delete=models.PROTECT, related_name="+"
    )
    attended_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["session", "attended_at", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "session"], name="one_attendance_per_enrollment_and_session")
        ]

    def __str__(self):
        return f"{self.enrollment_id} · {self.session_id}"


class CheckinScan(models.Model):
    """One scan at the door (or a pick from the name search), by the id the scanning phone made.

    The id is unique: a scan sent twice (a phone replaying its offline queue, a retry after a lost
    answer) is applied once and answered as it was the first time.
    """

    class Result(models.TextChoices):
        CHECKED_IN = "checked_in", _("Checked in")
        ALREADY = "already", _("Already present")
        WALK_IN = "walk_in", _("Walk-in added")
        REFUSED = "refused", _("Refused")

    wagtail_reference_index_ignore = True

    scan_id = models.UUIDField(_("scan id"), unique=True)
    session = models.ForeignKey(
        "programs.TrainingSession", verbose_name=_("session"), on_delete=models.PROTECT, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("participant"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)  # the refusal's code
    scanned_at = models.DateTimeField(_("scanned at"))  # the phone's clock (it may have been offline)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("check-in scan")
        verbose_name_plural = _("check-in scans")

    def __str__(self):
        return str(self.scan_id)


# Crockford's base32 without look-alikes (no I, L, O, U): read aloud and typed from paper without mistakes.
CERTIFICATE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_certificate_number() -> str:
    """``2030-K7M2-QX9D``: the year, then 40 random bits (numbers are not guessable one from another,
    so the public verification page cannot be walked to list who holds certificates)."""
    code = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(8))
    return f"{timezone.localdate().year}-{code[:4]}-{code[4:]}"


class Certificate(models.Model):
    """A participant's certificate of a training: issued, revoked and reissued only by ``members.certificates``.

    The PDF is drawn from this row whenever it is downloaded. ``holder_name``, ``training_title`` and
    ``training_dates`` are what the certificate says (the verification page shows them); a
    reissue (a corrected name) keeps the number and raises ``version``.
    """

    wagtail_reference_index_ignore = True

    number = models.CharField(_("number"), max_length=20, unique=True, default=new_certificate_number, editable=False)
    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="certificate"
    )
    holder_name = models.CharField(_("name on the certificate"), max_length=150)
    training_title = models.CharField(_("training"), max_length=255)
    training_dates = models.CharField(_("dates"), max_length=500)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.number} · {self.holder_name}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


def _import_upload_to(instance, filename: str) -> str:
    # A random name: the member's list is never reachable by guessing, and two uploads never clash.
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    """A member list being imported by a worker (``members.imports``), in chunks that record progress.

    The uploaded file lives in the private storage (never under /media/) until the job ends.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Moved by every chunk: a running job whose heartbeat stops has lost its worker.
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(storage=_private_storage, upload_to=_import_upload_to, max_length=255, blank=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return self.filename

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else (100 if self.is_done else 0)

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.FINISHED, self.State.FAILED)


class ImportRow(models.Model):
    """What the import did with one row of the file: the lines of the job's report."""

    class Result(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        SKIPPED = "skipped", _("skipped")
        REFUSED = "refused", _("refused")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["job", "number"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="one_result_per_import_row")]

    def __str__(self):
        return f"{self.job_id} · {self.number} · {self.result}"


class WaitlistOffer(models.Model):
    """A freed seat held for the next person on the waiting list until they answer or ``expires_at``.

    An open offer holds its seat: confirmed enrollments plus open offers never exceed the
    capacity (``members.enrollment.seats_by_training`` counts both). Its state changes only
    through ``members.offers``. The links in the offer email carry a token computed from the
    offer (``members.offers.offer_token``), never stored.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="offers"
    )
    training = models.ForeignKey(
        "programs.TrainingPage", verbose_name=_("training"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    offered_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("answer by"))
    remind_at = models.DateTimeField(_("reminder due at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("answered or expired at"), null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("seat offer")
        verbose_name_plural = _("seat offers")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=models.Q(status="open"), name="one_open_offer_per_enrollment"
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="members_offer_due_idx")]

    def __str__(self):
        return f"{self.enrollment} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Reminder(models.Model):
    """A reminder sent to a confirmed participant under one of the training's rules (members.reminders).

    One per (enrollment, rule), a database constraint: the job may run twice at once, or again
    after a restart, and sends each reminder once. The rule asking "Hadir?" records the answer.
    """

    class Rule(models.TextChoices):
        DAYS_BEFORE = "days_before", _("Days before, asking “Hadir?”")
        ON_THE_DAY = "on_the_day", _("Morning of the day")

    class Answer(models.TextChoices):
        NONE = "", _("No answer")
        YES = "yes", _("Will come")
        ABSENT = "absent", _("Cannot come")

    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="reminders"
    )
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices)
    moment = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"))
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "rule"], name="one_reminder_per_rule_and_enrollment")
        ]

    def __str__(self):
        return f"{self.enrollment} · {self.get_rule_display()}"
