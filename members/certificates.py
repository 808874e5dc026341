"""Training certificates (*e-sertifikat*): who gets one, issuing, revoking, reissuing, and the PDF.

- Who: after a training's last session, every confirmed participant who attended at least the
  training's threshold of its sessions (``members.attendance.completed``).
- Issuing (:func:`issue_for_training`, and :func:`issue_due` from the beat schedule) writes a
  ``Certificate`` row with a unique, unguessable number and records the member's email (a link to
  download it, not an attachment) in the outbox, in the same transaction.
- Coordinators revoke one (with a reason) and reissue it: a reissue takes the member's name as it
  is now (a corrected name) and keeps the number.
- The PDF (:func:`render_pdf`) is drawn from the row each time it is downloaded: A4 landscape,
  the branch's logo and the partners', the name as written, the training and its days, the
  signatories, the number and a QR code to the public verification page ``/sertifikat/<number>/``.

Fonts: DejaVu Sans (Debian's fonts-dejavu-core), embedded. It covers every Latin letter names
are written with here (apostrophes and curly quotes, Latin Extended ā, ḥ, é of transliterated Arabic
names), and Arabic script too; the PDF core fonts (Helvetica) carry only WinAnsi (Latin-1), and
the Bitstream Vera fonts reportlab ships are no wider.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from wagtail.log_actions import log
from wagtail.models import Site

from core import prepared
from home.models import SiteSettings
from programs.models import TrainingPage
from programs.schedule import TrainingStatus, format_wib_range
from tasks.outbox import notify

from . import attendance
from .accounts import member_language
from .models import Certificate, Enrollment

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
LOGO_FILTER = "max-400x200|format-png"
# The beat job issues certificates of trainings that ended up to this long ago (a training
# whose attendance was completed late still gets them; older ones are issued by hand).
ISSUE_WINDOW_DAYS = 30

AUDIT_ACTIONS = {
    "members.certificate.issue": (_("Issue certificate"), _("Certificate issued")),
    "members.certificate.revoke": (_("Revoke certificate"), _("Certificate revoked")),
    "members.certificate.reissue": (_("Reissue certificate"), _("Certificate reissued")),
}


class CertificateError(Exception):
    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


# -- reads ----------------------------------------------------------------------------------


def verification_path(certificate: Certificate) -> str:
    return reverse("certificate_verify", args=[certificate.number])


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + verification_path(certificate)


def download_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("members:certificate_download", args=[certificate.number])


def _valid_certificates(member_id):
    return (
        Certificate.objects.filter(enrollment__member_id=member_id, revoked_at__isnull=True)
        .select_related("enrollment__training")
        .order_by("-issued_at")
    )


def member_certificates(*, member) -> list[Certificate]:
    """The member's certificates, newest first (compiled once per process, core.prepared: the dashboard)."""
    return prepared.run("members.certificates.member_certificates", _valid_certificates, member.pk)


def training_dates(training: TrainingPage) -> str:
    """The days as the certificate prints them (Indonesian, WIB)."""
    with translation.override("id"):
        days = training.days
        return "; ".join(format_wib_range(day.starts_at, day.ends_at) for day in days)


# -- issuing --------------------------------------------------------------------------------


def issue_refusal(*, training: TrainingPage, now: datetime | None = None) -> CertificateError | None:
    now = now or timezone.now()
    if training.status == TrainingStatus.CANCELLED:
        return CertificateError("cancelled", _("This training was cancelled: there is nothing to certify."))
    if training.ends_at > now:
        return CertificateError("not_over", _("Certificates are issued after the training's last session."))
    return None


def _notify(certificate: Certificate, *, event: str) -> None:
    member = certificate.enrollment.member
    if not member.user_id:
        return
    language = member_language(member=member)
    with translation.override(language):
        notify(
            kind="certificate_issued",
            recipient=member.user.email,
            template=f"members/email/certificate/{event}",
            context={
                "recipient_name": certificate.holder_name,
                "training_title": certificate.training_title,
                "training_dates": certificate.training_dates,
                "number": certificate.number,
                "download_url": download_url(certificate),
                "verification_url": verification_url(certificate),
                "dashboard_url": settings.SITE_URL + reverse("members:dashboard"),
            },
            language=language,
            idempotency_key=f"certificate-{certificate.number}-v{certificate.version}",
        )


def _new_certificate(enrollment: Enrollment, training: TrainingPage, now: datetime) -> Certificate:
    for _attempt in range(5):  # 40 random bits: a clash is rare, and retried with a new number
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    enrollment=enrollment,
                    holder_name=enrollment.member.full_name,
                    training_title=training.title,
                    training_dates=training_dates(training),
                    issued_at=now,
                )
        except IntegrityError:
            if Certificate.objects.filter(enrollment=enrollment).exists():
                raise
    raise CertificateError("number", _("No free certificate number was found; try again."))


@transaction.atomic
def issue_for_training(*, training: TrainingPage, by=None, now: datetime | None = None) -> list[Certificate]:
    """Certificates for every participant who completed the training and has none yet."""
    now = now or timezone.now()
    if refusal := issue_refusal(training=training, now=now):
        raise refusal
    have = set(Certificate.objects.filter(enrollment__training=training).values_list("enrollment_id", flat=True))
    issued = []
    for enrollment in attendance.completed(training=training):
        if enrollment.pk in have:
            continue
        try:
            certificate = _new_certificate(enrollment, training, now)
        except IntegrityError:
            continue  # issued by a concurrent run
        _notify(certificate, event="issued")
        log(instance=enrollment, action="members.certificate.issue", user=by, data={"number": certificate.number})
        issued.append(certificate)
    return issued


def issue_due(*, now: datetime | None = None) -> int:
    """The beat job: certificates of every live training whose last session ended recently."""
    now = now or timezone.now()
    since = now - timedelta(days=ISSUE_WINDOW_DAYS)
    trainings = (
        TrainingPage.objects.live()
        .filter(ends_at__lte=now, ends_at__gte=since)
        .exclude(status=TrainingStatus.CANCELLED)
    )
    return sum(len(issue_for_training(training=training, now=now)) for training in trainings)


@transaction.atomic
def revoke(*, certificate: Certificate, by, reason: str, now: datetime | None = None) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("no_reason", _("Say why the certificate is revoked."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CertificateError("revoked", _("This certificate is already revoked."))
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = now or timezone.now(), reason, by
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    log(instance=certificate.enrollment, action="members.certificate.revoke", user=by, data={"reason": reason})
    return certificate


@transaction.atomic
def reissue(*, certificate: Certificate, by, now: datetime | None = None) -> Certificate:
    """The same number, with the member's name as it is now (a correction) and valid again."""
    certificate = Certificate.objects.select_for_update().select_related("enrollment__member").get(pk=certificate.pk)
    training = TrainingPage.objects.get(pk=certificate.enrollment.training_id)
    certificate.holder_name = certificate.enrollment.member.full_name
    certificate.training_title, certificate.training_dates = training.title, training_dates(training)
    certificate.issued_at, certificate.version = now or timezone.now(), certificate.version + 1
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = None, "", None
    certificate.save()
    _notify(certificate, event="reissued")
    data = {"number": certificate.number, "version": certificate.version}
    log(instance=certificate.enrollment, action="members.certificate.reissue", user=by, data=data)
    return certificate


def holder_forget(*, member) -> int:
    """A deleted account's certificates keep no name (nor a revocation's reason, which may name them).

    The public check still answers for the number, the training and its dates, and says that the
    holder had their name deleted: whoever checks a paper copy knows the name cannot be confirmed.
    """
    return Certificate.objects.filter(enrollment__member=member).update(holder_name="", revoked_reason="")


# -- the PDF --------------------------------------------------------------------------------


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _image(image) -> ImageReader | None:
    if image is None:
        return None
    try:
        rendition = image.get_rendition(LOGO_FILTER)
        with rendition.file.open("rb") as file:
            return ImageReader(io.BytesIO(file.read()))
    except (OSError, ValueError):  # a logo whose file is gone: the certificate goes without it
        return None


@dataclass
class _Logos:
    branch: ImageReader | None
    partners: list[ImageReader]


def _logos(training: TrainingPage) -> _Logos:
    site = Site.objects.filter(is_default_site=True).first()
    branch = SiteSettings.for_site(site).logo if site else None
    partners = [_image(partner.logo) for partner in training.partners.select_related("logo")]
    return _Logos(branch=_image(branch), partners=[logo for logo in partners if logo][:4])


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > 10 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _draw_logo(c, logo: ImageReader, x: float, y: float, height: float) -> float:
    width, h = logo.getSize()
    drawn = width * height / h
    c.drawImage(logo, x, y, width=drawn, height=height, mask="auto")
    return drawn


def _draw_qr(c, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp in print at any size)."""
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix_iter(border=2))
    module = size / len(matrix)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for column_index, dark in enumerate(row):
            if dark:
                c.rect(x + column_index * module, y + size - (row_index + 1) * module, module, module, stroke=0, fill=1)


def render_pdf(*, certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 landscape PDF, in Indonesian."""
    _register_fonts()
    enrollment = certificate.enrollment
    training = TrainingPage.objects.get(pk=enrollment.training_id)
    logos = _logos(training)
    width, height = landscape(A4)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"Sertifikat {certificate.number}")
    c.setAuthor(settings.SITE_URL)
    with translation.override("id"):
        green = (0.043, 0.42, 0.21)
        c.setStrokeColorRGB(*green)
        c.setLineWidth(6)
        c.rect(24, 24, width - 48, height - 48)
        c.setLineWidth(1)
        c.rect(34, 34, width - 68, height - 68)

        if logos.branch:
            _draw_logo(c, logos.branch, 60, height - 130, 70)
        x = width - 60
        for logo in reversed(logos.partners):
            w, h = logo.getSize()
            x -= w * 50 / h
            _draw_logo(c, logo, x, height - 110, 50)
            x -= 12

        center = width / 2
        c.setFillColorRGB(*green)
        c.setFont(FONT_BOLD, 40)
        c.drawCentredString(center, height - 175, _("CERTIFICATE"))
        c.setFillColorRGB(0, 0, 0)
        c.setFont(FONT, 12)
        c.drawCentredString(center, height - 198, _("No. %(number)s") % {"number": certificate.number})
        c.setFont(FONT, 14)
        c.drawCentredString(center, height - 235, _("is awarded to"))
        size = _fit(certificate.holder_name, FONT_BOLD, 30, width - 160)
        c.setFont(FONT_BOLD, size)
        c.drawCentredString(center, height - 275, certificate.holder_name)
        c.setFont(FONT, 14)
        c.drawCentredString(center, height - 305, _("for completing the training"))
        size = _fit(certificate.training_title, FONT_BOLD, 20, width - 160)
        c.setFont(FONT_BOLD, size)
        c.drawCentredString(center, height - 332, certificate.training_title)
        c.setFont(FONT, 11)
        lines = certificate.training_dates.split("; ")
        for index, line in enumerate(lines[:4]):
            c.drawCentredString(center, height - 356 - index * 15, line)
        if training.venue_name:
            c.drawCentredString(center, height - 356 - min(len(lines), 4) * 15, training.venue_name)

        signatories = training.signatory_list
        if signatories:
            slot = (width - 320) / len(signatories)
            for index, (name, role) in enumerate(signatories):
                x = 300 + slot * index + slot / 2
                c.line(x - 85, 110, x + 85, 110)
                c.setFont(FONT_BOLD, 11)
                c.drawCentredString(x, 96, _fit_text(name, FONT_BOLD, 11, slot - 10))
                c.setFont(FONT, 10)
                c.drawCentredString(x, 82, _fit_text(role, FONT, 10, slot - 10))

        url = verification_url(certificate)
        _draw_qr(c, url, 60, 60, 110)
        c.setFont(FONT, 8)
        c.drawString(60, 50, _("Check this certificate: %(url)s") % {"url": url})
    c.showPage()
    c.save()
    return buffer.getvalue()


def _fit_text(text: str, font: str, size: float, width: float) -> str:
    while text and pdfmetrics.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text
