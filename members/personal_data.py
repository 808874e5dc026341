"""The member's rights over their data (UU 27/2022): download everything held about them, delete the account.

Above accounts and enrollment (it reads and releases through both), so neither needs an
import of the other inside a function.
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from tasks.models import Notification

from . import certificates, enrollment, nik
from .models import Attendance, Certificate, CheckinScan, Enrollment, Member, User


def _stamp(value) -> str | None:
    return value.isoformat() if value else None


def decided_by_role(*, user_id: int | None, member: Member | None) -> str:
    """Who took a decision, as the member may read it in their data: a role, not a staff member's name.

    ``"system"`` (no user: an automatic step), ``"self"`` (the member), ``"administrator"``,
    the staff groups (``"Koordinator"``), ``"staff"``, or ``"deleted account"``.
    """
    if user_id is None:
        return "system"
    if member is not None and user_id == member.user_id:
        return "self"
    user = User.objects.filter(pk=user_id).prefetch_related("groups").first()
    if user is None:
        return "deleted account"
    if user.is_superuser:
        return "administrator"
    groups = sorted(group.name for group in user.groups.all())
    return ", ".join(groups) or "staff"


def member_export(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about the user, as JSON-ready data.

    The account and its addresses, the profile with the branch's decisions (who by role,
    when), enrollments with their decisions, reasons and attendance, the emails the outbox
    holds for the user's addresses, and the audit entries about the member and their enrollments.
    """
    member = Member.objects.filter(user=user).select_related("district", "verified_by").first()
    addresses = list(EmailAddress.objects.filter(user=user).order_by("pk"))
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": _stamp(user.last_login),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in addresses
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
            "photo_on_card": bool(member.photo),
            # The member's own NIK, whole: it is their data (stored encrypted, members.nik).
            "nik": nik.nik_decrypt(ciphertext=member.nik_ciphertext) or None,
            "nik_consent_at": _stamp(member.nik_consent_at),
            "occupation": member.occupation,
            "business": {
                "name": member.business_name,
                "sector": member.business_sector,
                "description": member.business_description,
            },
            "consents": {
                "announcements_by_email": member.announcements_opt_in,
                "privacy_notice_agreed_at": _stamp(member.privacy_agreed_at),
            },
            "status": member.status,
            "verified_at": _stamp(member.verified_at),
            "verified_by": decided_by_role(user_id=member.verified_by_id, member=member)
            if member.verified_at
            else None,
            "registered_at": member.created_at.isoformat(),
            "updated_at": _stamp(member.updated_at),
        }
        data["enrollments"] = _member_enrollments_export(member=member)
        data["audit_log"] = _member_audit_export(member=member)
    # Mail to the member's own addresses; never a message about someone else (a change
    # request about another member, should this account also be a coordinator's).
    recipients = {user.email.lower(), *(address.email.lower() for address in addresses)}
    emails = (
        Notification.objects.filter(recipient__in=sorted(recipients))
        .exclude(kind="member_change_request")
        .order_by("created_at", "pk")
    )
    data["emails"] = [
        {
            "kind": email.kind,
            "to": email.recipient,
            "subject": email.readable_subject,
            "status": email.status,
            "created_at": _stamp(email.created_at),
            "sent_at": _stamp(email.sent_at),
            "text": email.readable_text,  # a reset or confirmation link stays sealed, even here
        }
        for email in emails
    ]
    return data


def _member_audit_export(*, member: Member) -> list[dict[str, Any]]:
    """The audit entries about the member and their enrollments, oldest first, decisions by role."""
    enrollments = {str(pk): training_id for pk, training_id in member.enrollments.values_list("pk", "training_id")}
    member_type = ContentType.objects.get_for_model(Member)
    enrollment_type = ContentType.objects.get_for_model(Enrollment)
    entries = ModelLogEntry.objects.filter(
        Q(content_type=member_type, object_id=str(member.pk))
        | Q(content_type=enrollment_type, object_id__in=list(enrollments))
    ).order_by("timestamp", "pk")
    roles: dict[int | None, str] = {}
    exported = []
    with translation.override(settings.LANGUAGE_CODE):
        for entry in entries:
            if entry.user_id not in roles:
                roles[entry.user_id] = decided_by_role(user_id=entry.user_id, member=member)
            about_enrollment = entry.content_type_id == enrollment_type.pk
            exported.append(
                {
                    "at": _stamp(entry.timestamp),
                    "action": entry.action,
                    "message": str(entry.message),
                    "about": "enrollment" if about_enrollment else "member",
                    "training_id": enrollments[entry.object_id] if about_enrollment else None,
                    "by": roles[entry.user_id],
                    "data": entry.data if isinstance(entry.data, dict) else {},
                }
            )
    return exported


@transaction.atomic
def member_delete(*, user: User) -> None:
    """Delete the account: the user row goes, the profile stays only as an anonymous shell.

    The shell (district and cadre level, nothing that names a person) keeps later
    attendance counts for reports intact. The name goes first, so that nothing written
    while the seats are released (audit entries, whose label is the row's name) names the
    member; then the audit entries written before and the certificates lose the name too, and the
    emails to or about the member are deleted from the outbox.
    """
    member = Member.objects.select_for_update().filter(user=user).first()
    addresses = {user.email, *user.emailaddress_set.values_list("email", flat=True)}
    if member is not None:
        member.user = None
        member.full_name = ""
        member.phone = ""
        member.gender = ""
        member.birth_date = None
        member.village = ""
        member.member_number = ""
        if member.photo:
            photo, storage = member.photo.name, member.photo.storage
            transaction.on_commit(lambda: storage.delete(photo))
        member.photo = ""
        member.nik_ciphertext, member.nik_hash, member.nik_consent_at = "", "", None
        member.occupation = ""
        member.business_name = ""
        member.business_sector = ""
        member.business_description = ""
        member.announcements_opt_in = False
        member.verified_by = None
        member.anonymised_at = timezone.now()
        member.save()
        certificates.holder_forget(member=member)
        # Seats held or waited for go to others; past attendance stays, attached to the shell.
        enrollment.member_enrollments_release(member=member)
        member_audit_scrub(member=member)
    _outbox_forget(member=member, addresses=addresses)
    # Email addresses, confirmations and sessions go with the user (cascade).
    user.delete()


# What an audit entry about a deleted member keeps in its data: no free text (a reason a
# coordinator typed may name the person), no values of the profile.
AUDIT_DATA_KEPT = ("status", "attended")


def member_audit_scrub(*, member: Member) -> int:
    """Take the name of an anonymised member out of the audit log (Wagtail's ModelLogEntry).

    Entries about the member and about their enrollments are labelled with the row's name
    when written ("Siti Aminah · 15 · cancelled"); they are relabelled as a deleted member's
    and keep only AUDIT_DATA_KEPT of their data. Returns how many entries were rewritten.
    """
    with translation.override(settings.LANGUAGE_CODE):
        deleted = str(Member(full_name=""))
    enrollments = {
        str(pk): training_id
        for pk, training_id in Enrollment.objects.filter(member=member).values_list("pk", "training_id")
    }
    member_type = ContentType.objects.get_for_model(Member)
    enrollment_type = ContentType.objects.get_for_model(Enrollment)
    entries = ModelLogEntry.objects.filter(
        Q(content_type=member_type, object_id=str(member.pk))
        | Q(content_type=enrollment_type, object_id__in=list(enrollments))
    )
    changed = []
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        entry.data = {key: data[key] for key in AUDIT_DATA_KEPT if key in data}
        if entry.content_type_id == enrollment_type.pk:
            parts = [deleted, str(enrollments[entry.object_id])]
            if "status" in entry.data:
                parts.append(str(entry.data["status"]))
            entry.label = " · ".join(parts)
        else:
            entry.label = deleted
        changed.append(entry)
    ModelLogEntry.objects.bulk_update(changed, ["label", "data"])
    return len(changed)


def _outbox_forget(*, member: Member | None, addresses: set[str]) -> None:
    """Delete the emails to a deleted account's addresses, and the change requests about it, from the outbox."""

    about = Q(recipient__in=[address for address in addresses if address])
    if member is not None:
        about |= Q(kind="member_change_request", idempotency_key__startswith=f"member-change-request-{member.pk}-")
    Notification.objects.filter(about).delete()


def _member_enrollments_export(*, member: Member) -> list[dict]:
    """The member's enrollments, for the download of their data: every decision, why, by whom (a role)
    and when; each day they were checked in, every scan of their code at the door, and their certificate."""
    roles: dict[int | None, str] = {}

    def role(user_id):
        if user_id not in roles:
            roles[user_id] = decided_by_role(user_id=user_id, member=member)
        return roles[user_id]

    enrollments = list(
        Enrollment.objects.filter(member=member)
        .select_related("training", "certificate")
        .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.select_related("session")))
        .order_by("requested_at")
    )
    scans: dict[int, list[CheckinScan]] = {}
    for scan in CheckinScan.objects.filter(enrollment__in=enrollments).order_by("scanned_at", "pk"):
        scans.setdefault(scan.enrollment_id, []).append(scan)
    return [
        {
            "training_id": enrollment.training_id,
            "training": enrollment.training.title,
            "training_starts_at": _stamp(enrollment.training.starts_at),
            "status": enrollment.status,
            "requested_at": _stamp(enrollment.requested_at),
            "confirmed_at": _stamp(enrollment.confirmed_at),
            "waitlisted_at": _stamp(enrollment.waitlisted_at),
            "cancelled_at": _stamp(enrollment.cancelled_at),
            "rejected_at": _stamp(enrollment.rejected_at),
            "reason": enrollment.reason,
            "decided_by": role(enrollment.decided_by_id) if enrollment.decided_by_id else None,
            "attended": enrollment.attended,
            "attended_at": _stamp(enrollment.attended_at),
            "sessions_attended": [
                {
                    "day": attendance.session.number,
                    "session_starts_at": _stamp(attendance.session.starts_at),
                    "checked_in_at": _stamp(attendance.attended_at),
                    "recorded_by": role(attendance.recorded_by_id),
                }
                for attendance in enrollment.attendances.all()
            ],
            "checkin_scans": [
                {
                    "result": scan.result,
                    "reason": scan.reason,
                    "scanned_at": _stamp(scan.scanned_at),
                    "scanned_by": role(scan.scanned_by_id),
                }
                for scan in scans.get(enrollment.pk, [])
            ],
            "certificate": _certificate_export(enrollment, role),
        }
        for enrollment in enrollments
    ]


def _certificate_export(enrollment: Enrollment, role) -> dict[str, Any] | None:
    """The certificate as issued (what it says, its number and where it is checked), revoked or not."""
    try:
        certificate = enrollment.certificate
    except Certificate.DoesNotExist:
        return None
    return {
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "training_title": certificate.training_title,
        "training_dates": certificate.training_dates,
        "issued_at": _stamp(certificate.issued_at),
        "version": certificate.version,
        "verification_url": certificates.verification_url(certificate),
        "revoked_at": _stamp(certificate.revoked_at),
        "revoked_reason": certificate.revoked_reason,
        "revoked_by": role(certificate.revoked_by_id) if certificate.revoked_at else None,
    }
