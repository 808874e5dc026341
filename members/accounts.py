"""Member accounts: the one module that changes a member's state.

Views, the Wagtail admin actions and ``manage.py approve_member`` call these
keyword-only functions; tests call them directly too.

Longer than 400 lines on purpose: registration, the profile (its fields, the fields locked
once verified, requests to change them) and verification are one lifecycle that shares
those rules. Downloading and deleting one's data is members/personal_data.py.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from . import numbers, scope
from .models import Member, User, new_calendar_token
from .permissions import APP_LABEL, CHANGE_REQUEST_PERMISSIONS, codename

PHONE_REGION = "ID"
MIN_AGE_YEARS = 17
MAX_AGE_YEARS = 100

# What a profile needs before its member can enroll in a training, in the order the
# dashboard lists what is missing.
REQUIRED_FOR_ENROLLMENT = (
    ("full_name", _("your full name")),
    ("phone", _("a phone / WhatsApp number")),
    ("gender", _("your gender")),
    ("birth_date", _("your date of birth")),
    ("district", _("your district (kecamatan)")),
    ("village", _("your village (desa/kelurahan)")),
    ("occupation", _("your occupation")),
    ("privacy_agreed_at", _("your agreement to the privacy notice")),
)

# The member's profile, once, in the order the profile page shows it; the form, the staff's
# edit panels and inspect page (members.wagtail_hooks) and the tests read these lists.
# "About you": who the member is; the locked ones among them are LOCKED_WHEN_VERIFIED.
ABOUT_FIELDS = (
    "full_name",
    "phone",
    "gender",
    "birth_date",
    "district",
    "village",
    "cadre_level",
    "member_number",
    "occupation",
)
# "Your business (UMKM)", optional.
BUSINESS_FIELDS = ("business_name", "business_sector", "business_description")
# What a member tells the branch about themself and agrees to receive.
MEMBER_DETAILS = (*ABOUT_FIELDS, *BUSINESS_FIELDS, "announcements_opt_in")
# What the branch gives and the member only reads: the member number (members.numbers, at
# verification; a number from before the portal comes with the import or a change request).
GIVEN_BY_THE_BRANCH = ("member_number",)
# What the profile form edits: the details, and the language of the member's emails and site.
PROFILE_FIELDS = (*(name for name in MEMBER_DETAILS if name not in GIVEN_BY_THE_BRANCH), "language")

# What eligibility for trainings depends on (gender, age, district, cadre level) and what
# identifies the member to the branch: once the branch has verified the member, these are
# theirs to change no more; a change goes to the coordinators (member_request_change).
# An empty one may still be filled in once, so a member verified before completing the
# profile can complete it.
LOCKED_WHEN_VERIFIED = ("gender", "birth_date", "district", "cadre_level", "member_number")
# Requests of one member per day, so a member cannot flood the coordinators' mailboxes.
CHANGE_REQUESTS_PER_DAY = 3


LOCKED_MESSAGE = _(
    "These details have been verified by the branch and can no longer be changed here. "
    "If something is wrong or has changed, request a change from the coordinators."
)


# -- validation helpers (used by the forms and by the services) ---------------------------


def phone_normalise(*, value: str) -> str:
    """An Indonesian (0812...) or international number in E.164 (+62812...); ValidationError otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone or WhatsApp number, for example 0812 3456 7890."), code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_validate_deliverable(*, value: str) -> None:
    """Refuse an address Django accepts but a mail server cannot be given (e.g. a quoted
    local part with a control character): it would never be delivered."""
    from tasks.outbox import address_is_deliverable

    if not address_is_deliverable(value):
        raise ValidationError(_("Enter an email address that can receive email."), code="undeliverable_email")


def phone_display(*, value: str) -> str:
    """A stored (E.164) number as the branch writes it: 0812-3456-7890, or +44 20 ... from abroad."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.region_code_for_number(number) == PHONE_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_whatsapp_url(*, value: str) -> str:
    """``https://wa.me/62812...`` for a number written +62..., 62... or 08...; "" when it is no number."""
    try:
        number = phonenumbers.parse(value or "", PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return "https://wa.me/" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def birth_date_validate(*, value: datetime.date | None, today: datetime.date | None = None) -> None:
    if value is None:
        return
    today = today or timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future_birth_date")
    if value > _years_before(today, MIN_AGE_YEARS):
        raise ValidationError(
            _("Members must be at least %(age)d years old.") % {"age": MIN_AGE_YEARS}, code="too_young"
        )
    if value < _years_before(today, MAX_AGE_YEARS):
        raise ValidationError(_("Please check the date of birth."), code="too_old")


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# -- registration and profile ----------------------------------------------------------------


@transaction.atomic
def member_register(*, user: User, full_name: str, privacy_agreed: bool, language: str | None = None) -> Member:
    """Create the profile of a user who just signed up (status pending), speaking ``language``."""
    if not privacy_agreed:
        raise ValidationError(_("You must agree to the privacy notice."), code="privacy_required")
    member = Member(
        user=user,
        full_name=full_name.strip(),
        privacy_agreed_at=timezone.now(),
        language=language or settings.LANGUAGE_CODE,
    )
    member.full_clean()
    member.save()
    return member


def member_of(*, user: User) -> Member | None:
    """The user's member profile, or None (staff accounts made in the admin have none).

    With its user joined: what a member does is recorded with their address and account.
    """
    member = Member.objects.filter(user=user).select_related("district", "verified_by").first()
    if member is not None:
        member.user = user  # the caller's own user object, not a copy joined again
    return member


def member_ensure(*, user: User) -> Member:
    """The user's profile, created empty (pending) when missing: for ``manage.py approve_member``.

    The member area never calls this: a staff account visiting it gets no profile by accident.
    """
    member = Member.objects.filter(user=user).select_related("district", "verified_by").first()
    if member is None:
        member, _created = Member.objects.get_or_create(
            user=user, defaults={"full_name": user.get_full_name() or user.email.split("@")[0]}
        )
    return member


def member_language(*, member: Member | None) -> str:
    """The language a member reads their email in: the one they chose, else the site's (Indonesian)."""
    language = getattr(member, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def member_language_set(*, user: User, language: str) -> bool:
    """The language switcher's choice becomes a logged-in member's language (for their email too).

    Returns whether a member profile changed; staff accounts without one are left alone.
    """
    if language not in dict(settings.LANGUAGES) or not user.is_authenticated:
        return False
    return bool(Member.objects.filter(user=user).exclude(language=language).update(language=language))


def member_is_verified(*, member: Member) -> bool:
    """Verified by the branch, now or before a suspension (a suspended member is verified again later)."""
    return member.status == Member.Status.ACTIVE or member.verified_at is not None


def member_locked_fields(*, member: Member) -> tuple[str, ...]:
    """The profile fields this member may no longer change themselves (see LOCKED_WHEN_VERIFIED)."""
    if not member_is_verified(member=member):
        return ()
    return tuple(name for name in LOCKED_WHEN_VERIFIED if _field_value(member, name) not in ("", None))


def _field_value(member: Member, name: str) -> Any:
    # The district by its id: a form's cleaned value (a District) and the row's compare alike.
    if name == "district":
        return member.district_id
    return getattr(member, name)


def _comparable(name: str, value: Any) -> Any:
    if name == "district":
        return getattr(value, "pk", value)
    return value


@transaction.atomic
def member_update_profile(
    *, member: Member, privacy_agreed: bool, nik: str = "", nik_consent: bool = False, **fields: Any
) -> Member:
    """Save the fields a member may change on /anggota/profil/.

    A verified member's locked fields (member_locked_fields) keep their values: a change
    to one is refused with a ValidationError (the profile form shows them disabled, so
    that a form never sends one). ``nik``, when given, is checked against the profile's date
    of birth and gender and stored encrypted (members.nik); it needs the member's consent,
    and a verified member's NIK, once given, changes only through the coordinators.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {', '.join(sorted(unknown))}")
    if not privacy_agreed:
        raise ValidationError(_("You must agree to the privacy notice."), code="privacy_required")
    member = Member.objects.select_for_update().get(pk=member.pk)
    changed_locked = [
        name
        for name in member_locked_fields(member=member)
        if name in fields and _comparable(name, fields[name]) != _field_value(member, name)
    ]
    if changed_locked:
        raise ValidationError(LOCKED_MESSAGE, code="locked_field")
    if "phone" in fields:
        fields["phone"] = phone_normalise(value=fields["phone"])
    if "birth_date" in fields:
        birth_date_validate(value=fields["birth_date"])
    for name, value in fields.items():
        setattr(member, name, value)
    if member.privacy_agreed_at is None:
        member.privacy_agreed_at = timezone.now()
    if nik:
        _member_nik_set(member=member, value=nik, consent=nik_consent)
    member.full_clean()
    member.save()
    return member


def _member_nik_set(*, member: Member, value: str, consent: bool) -> None:
    """Check a NIK against the (updated, unsaved) profile and put it on ``member``, encrypted."""
    from . import nik as nik_service

    if not nik_service.nik_enabled():
        return
    number = nik_service.nik_validate(value=value, birth_date=member.birth_date, gender=member.gender)
    current = nik_service.nik_decrypt(ciphertext=member.nik_ciphertext)
    if number == current:
        return
    if current and member_is_verified(member=member):
        raise ValidationError(LOCKED_MESSAGE, code="locked_field")
    if not consent and member.nik_consent_at is None:
        raise ValidationError(
            _("Tick the consent to store your NIK, or leave the NIK empty."), code="nik_consent_required"
        )
    if nik_service.nik_duplicate(nik=number, member=member):
        raise ValidationError(
            _("This NIK already belongs to another member. Contact the branch if it is yours."), code="nik_taken"
        )
    for name, field_value in nik_service.nik_fields(nik=number, consent=consent).items():
        setattr(member, name, field_value)


def member_change_request_recipients() -> list[str]:
    """Who is told of a change request: the people who verify members and those who may edit them.

    Active users holding ``members.verify_member`` or ``members.change_member`` (superusers
    hold both); when there is nobody, the branch's contact address from the site settings.
    """
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    from home.models import SiteSettings

    permissions = Permission.objects.filter(
        content_type__app_label=APP_LABEL, codename__in=[codename(name) for name in CHANGE_REQUEST_PERMISSIONS]
    )
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=permissions) | Q(user_permissions__in=permissions))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    recipients = [user.email for user in users]
    if not recipients:
        recipients = list(SiteSettings.objects.exclude(email="").values_list("email", flat=True)[:1])
    return recipients


def _display(name: str, value: Any) -> str:
    """A locked field's value as a coordinator reads it in an email."""
    if value in ("", None):
        return "—"
    if name == "gender":
        return str(Member.Gender(value).label)
    if name == "cadre_level":
        return str(Member.CadreLevel(value).label)
    if name == "birth_date":
        return value.strftime("%d-%m-%Y")
    return str(value)


@transaction.atomic
def member_request_change(*, member: Member, changes: dict[str, Any], note: str) -> int:
    """A verified member asks the coordinators to change locked fields; returns how many were emailed.

    Nothing changes on the profile: the email lists the current and requested values, and
    a coordinator applies them in the member's edit page in the admin after checking them.
    The request is also kept in the audit log (without the values, which the email holds).
    """
    from wagtail.models import ModelLogEntry

    from tasks.outbox import notify

    unknown = set(changes) - set(LOCKED_WHEN_VERIFIED)
    if unknown:
        raise TypeError(f"not locked fields: {', '.join(sorted(unknown))}")
    member = Member.objects.select_for_update(of=("self",)).select_related("district", "user").get(pk=member.pk)
    if member.user_id is None or not member_is_verified(member=member):
        raise ValidationError(_("Only verified members send change requests."), code="not_verified")
    if "birth_date" in changes:
        birth_date_validate(value=changes["birth_date"])
    rows = []
    for name in LOCKED_WHEN_VERIFIED:
        if name not in changes or changes[name] in ("", None):
            continue
        current = member.district if name == "district" else getattr(member, name)
        if _comparable(name, changes[name]) == _field_value(member, name):
            continue
        label = Member._meta.get_field(name).verbose_name
        rows.append({"label": label, "current": _display(name, current), "requested": _display(name, changes[name])})
    if not rows:
        raise ValidationError(_("The requested values are the same as the current ones."), code="no_change")
    since = timezone.now() - datetime.timedelta(days=1)
    sent_today = ModelLogEntry.objects.for_instance(member).filter(
        action="members.member.change_request", timestamp__gte=since
    )
    if sent_today.count() >= CHANGE_REQUESTS_PER_DAY:
        raise ValidationError(
            _("You have already sent several change requests today. The branch will contact you."),
            code="too_many_requests",
        )
    entry = log(instance=member, action="members.member.change_request", user=member.user, data={})
    recipients = member_change_request_recipients()
    context = {
        "member": member,
        "rows": rows,
        "note": note.strip(),
        "edit_url": settings.SITE_URL + reverse("wagtailsnippets_members_member:edit", args=[member.pk]),
    }
    for recipient in recipients:
        notify(
            kind="member_change_request",
            recipient=recipient,
            template="members/email/change_request",
            context=context,
            language=settings.LANGUAGE_CODE,
            idempotency_key=f"member-change-request-{member.pk}-{entry.pk}-{recipient}",
        )
    return len(recipients)


@dataclass(frozen=True)
class Completeness:
    missing: list[str]
    total: int

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def percent(self) -> int:
        return round(100 * (self.total - len(self.missing)) / self.total)


def member_completeness(*, member: Member) -> Completeness:
    """Which of the fields needed to enroll are still empty (labels, for the dashboard)."""
    missing = [str(label) for name, label in REQUIRED_FOR_ENROLLMENT if not getattr(member, name)]
    return Completeness(missing=missing, total=len(REQUIRED_FOR_ENROLLMENT))


def member_can_enroll(*, member: Member) -> bool:
    """A verified member with a complete profile (the enrollment service builds on this)."""
    return member.status == Member.Status.ACTIVE and member_completeness(member=member).complete


# -- verification by the branch --------------------------------------------------------------


@transaction.atomic
def member_verify(*, member: Member, by: User | None) -> bool:
    """Mark a member as verified by the branch, give them a member number, and email them;
    False if already verified.

    ``by`` acts within their districts only (members.scope: OutOfScope otherwise).
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    scope.require_in_scope(user=by, obj=member)
    # A member without a login (a phone-only import) is verified like any other; a deleted one's shell is not.
    if member.status == Member.Status.ACTIVE or member.anonymised_at is not None:
        return False
    member.status = Member.Status.ACTIVE
    member.verified_by = by
    member.verified_at = timezone.now()
    # The member number is given now, once (a member verified again after a suspension keeps theirs).
    numbers.member_number_assign(member=member)
    member.save(update_fields=["status", "verified_by", "verified_at", "member_number", "updated_at"])
    log(instance=member, action="members.member.verify", user=by)
    member_id = member.pk
    transaction.on_commit(lambda: send_member_email(member_id=member_id, template="verified"))
    return True


@transaction.atomic
def member_suspend(*, member: Member, by: User | None) -> bool:
    """Suspend a member (no enrolling until verified again); False if already suspended."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    scope.require_in_scope(user=by, obj=member)
    if member.status == Member.Status.SUSPENDED or member.anonymised_at is not None:
        return False
    member.status = Member.Status.SUSPENDED
    member.save(update_fields=["status", "updated_at"])
    log(instance=member, action="members.member.suspend", user=by)
    return True


# -- the photo on the member card ------------------------------------------------------------


@transaction.atomic
def member_photo_set(*, member: Member, upload) -> None:
    """Keep an uploaded photo for the member's card: resized and stripped of its metadata
    (core.uploads.photo_clean; ValidationError when it is no photo). The old one is deleted."""
    from django.core.files.base import ContentFile

    from core.uploads import photo_clean

    clean = photo_clean(upload)
    member = Member.objects.select_for_update().get(pk=member.pk)
    old = member.photo.name
    member.photo.save("photo.jpg", ContentFile(clean), save=False)
    member.save(update_fields=["photo", "updated_at"])
    if old:
        storage = member.photo.storage
        transaction.on_commit(lambda: storage.delete(old))


@transaction.atomic
def member_photo_remove(*, member: Member) -> None:
    member = Member.objects.select_for_update().get(pk=member.pk)
    old, member.photo = member.photo.name, ""
    member.save(update_fields=["photo", "updated_at"])
    if old:
        storage = Member._meta.get_field("photo").storage
        transaction.on_commit(lambda: storage.delete(old))


# -- the private calendar address -------------------------------------------------------------


def member_calendar_token_rotate(*, member: Member) -> str:
    """A new secret for the member's calendar subscription; the old address stops working at once."""
    member.calendar_token = new_calendar_token()
    member.save(update_fields=["calendar_token", "updated_at"])
    return member.calendar_token


# -- email ----------------------------------------------------------------------------------


def send_member_email(*, member_id: int, template: str) -> None:
    """Email a member, in their language, from ``members/email/<template>{_subject,}.txt``, through the outbox.

    The key names the member and the moment they were verified: verifying twice, or this
    function running twice, records one email.
    """
    from tasks.outbox import notify

    member = Member.objects.select_related("user").filter(pk=member_id, user__isnull=False).first()
    if member is None:
        return
    moment = member.verified_at.isoformat() if member.verified_at else "never"
    language = member_language(member=member)
    with translation.override(language):
        notify(
            kind=f"member_{template}",
            recipient=member.user.email,
            template=f"members/email/{template}",
            context={
                "member": member,
                "dashboard_url": settings.SITE_URL + reverse("members:dashboard"),
            },
            language=language,
            idempotency_key=f"member-{template}-{member.pk}-{moment}",
        )
