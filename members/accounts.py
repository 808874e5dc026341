"""Member accounts: the one module that changes a member's state.

Views, the Wagtail admin actions and ``manage.py approve_member`` call these
keyword-only functions; tests call them directly too.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from .models import Member, User, new_calendar_token

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

PROFILE_FIELDS = (
    "full_name",
    "phone",
    "gender",
    "birth_date",
    "district",
    "village",
    "cadre_level",
    "member_number",
    "occupation",
    "business_name",
    "business_sector",
    "business_description",
    "announcements_opt_in",
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
def member_register(*, user: User, full_name: str, privacy_agreed: bool) -> Member:
    """Create the profile of a user who just signed up (status pending)."""
    if not privacy_agreed:
        raise ValidationError(_("You must agree to the privacy notice."), code="privacy_required")
    member = Member(user=user, full_name=full_name.strip(), privacy_agreed_at=timezone.now())
    member.full_clean()
    member.save()
    return member


def member_ensure(*, user: User) -> Member:
    """The user's profile; staff accounts made outside sign-up get an empty pending one."""
    member = Member.objects.filter(user=user).select_related("district", "verified_by").first()
    if member is None:
        member, _created = Member.objects.get_or_create(
            user=user, defaults={"full_name": user.get_full_name() or user.email.split("@")[0]}
        )
    return member


@transaction.atomic
def member_update_profile(*, member: Member, privacy_agreed: bool, **fields: Any) -> Member:
    """Save the fields a member may change on /anggota/profil/."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {', '.join(sorted(unknown))}")
    if not privacy_agreed:
        raise ValidationError(_("You must agree to the privacy notice."), code="privacy_required")
    if "phone" in fields:
        fields["phone"] = phone_normalise(value=fields["phone"])
    if "birth_date" in fields:
        birth_date_validate(value=fields["birth_date"])
    for name, value in fields.items():
        setattr(member, name, value)
    if member.privacy_agreed_at is None:
        member.privacy_agreed_at = timezone.now()
    member.full_clean()
    member.save()
    return member


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
    """Mark a member as verified by the branch and email them; False if already verified."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.ACTIVE or member.user_id is None:
        return False
    member.status = Member.Status.ACTIVE
    member.verified_by = by
    member.verified_at = timezone.now()
    member.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    log(instance=member, action="members.member.verify", user=by)
    member_id = member.pk
    transaction.on_commit(lambda: send_member_email(member_id=member_id, template="verified"))
    return True


@transaction.atomic
def member_suspend(*, member: Member, by: User | None) -> bool:
    """Suspend a member (no enrolling until verified again); False if already suspended."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.SUSPENDED or member.user_id is None:
        return False
    member.status = Member.Status.SUSPENDED
    member.save(update_fields=["status", "updated_at"])
    log(instance=member, action="members.member.suspend", user=by)
    return True


# -- the private calendar address -------------------------------------------------------------


def member_calendar_token_rotate(*, member: Member) -> str:
    """A new secret for the member's calendar subscription; the old address stops working at once."""
    member.calendar_token = new_calendar_token()
    member.save(update_fields=["calendar_token", "updated_at"])
    return member.calendar_token


# -- privacy: export and deletion -------------------------------------------------------------


def member_export(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about the user, as JSON-ready data."""
    from allauth.account.models import EmailAddress

    member = Member.objects.filter(user=user).select_related("district", "verified_by").first()
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "profile": None,
    }
    if member is not None:
        data["profile"] = {
            "full_name": member.full_name,
            "phone": member.phone,
            "gender": member.gender,
            "birth_date": member.birth_date.isoformat() if member.birth_date else None,
            "district": member.district.name if member.district else None,
            "village": member.village,
            "cadre_level": member.cadre_level,
            "member_number": member.member_number,
            "occupation": member.occupation,
            "business": {
                "name": member.business_name,
                "sector": member.business_sector,
                "description": member.business_description,
            },
            "consents": {
                "announcements_by_email": member.announcements_opt_in,
                "privacy_notice_agreed_at": member.privacy_agreed_at.isoformat() if member.privacy_agreed_at else None,
            },
            "status": member.status,
            "verified_at": member.verified_at.isoformat() if member.verified_at else None,
            "registered_at": member.created_at.isoformat(),
        }
        from .enrollment import member_enrollments_export  # enrollment builds on accounts

        data["enrollments"] = member_enrollments_export(member=member)
    return data


@transaction.atomic
def member_delete(*, user: User) -> None:
    """Delete the account: the user row goes, the profile stays only as an anonymous shell.

    The shell (district and cadre level, nothing that names a person) keeps later
    attendance counts for reports intact; enrollment code anonymises its own rows here.
    """
    member = Member.objects.select_for_update().filter(user=user).first()
    if member is not None:
        from .enrollment import member_enrollments_release  # enrollment builds on accounts

        # Seats held or waited for go to others; past attendance stays, attached to the shell.
        member_enrollments_release(member=member)
        member.user = None
        member.full_name = ""
        member.phone = ""
        member.gender = ""
        member.birth_date = None
        member.village = ""
        member.member_number = ""
        member.occupation = ""
        member.business_name = ""
        member.business_sector = ""
        member.business_description = ""
        member.announcements_opt_in = False
        member.verified_by = None
        member.anonymised_at = timezone.now()
        member.save()
    # Email addresses, confirmations and sessions go with the user (cascade).
    user.delete()


# -- email ----------------------------------------------------------------------------------


def send_member_email(*, member_id: int, template: str) -> None:
    """Email a member, in Indonesian, from ``members/email/<template>{_subject,}.txt``, through the outbox.

    The key names the member and the moment they were verified: verifying twice, or this
    function running twice, records one email.
    """
    from tasks.outbox import notify

    member = Member.objects.select_related("user").filter(pk=member_id, user__isnull=False).first()
    if member is None:
        return
    moment = member.verified_at.isoformat() if member.verified_at else "never"
    notify(
        kind=f"member_{template}",
        recipient=member.user.email,
        template=f"members/email/{template}",
        context={
            "member": member,
            "dashboard_url": settings.SITE_URL + reverse("members:dashboard"),
        },
        language=settings.LANGUAGE_CODE,
        idempotency_key=f"member-{template}-{member.pk}-{moment}",
    )
