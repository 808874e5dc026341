"""The member card (KTA): what it says, its QR code, its printable PDF, and the public check.

One ``MemberCard`` feeds the card on the dashboard, the PDF (ID-1 size, 85.6 x 53.98 mm,
front and back) and the QR code; the QR code holds the public verification address
``/kta/<number>/``, where anyone reads whether the card is valid, suspended (at once: the page
reads the member's status on every request) or unknown, with the name, PAC and level only.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from enum import StrEnum

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Member
from .numbers import member_number_settings

# A card is valid this many years after the branch verified the member (the branch renews it).
VALID_YEARS = 5


class CardState(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            CardState.VALID: _("Valid"),
            CardState.SUSPENDED: _("Suspended"),
            CardState.EXPIRED: _("Expired"),
            CardState.UNKNOWN: _("Unknown"),
        }[self]


@dataclass(frozen=True)
class MemberCard:
    full_name: str
    number: str
    pac: str
    level: str
    state: CardState
    valid_until: datetime.date | None
    verify_url: str
    organisation: str
    has_photo: bool

    @property
    def status_label(self) -> str:
        return self.state.label

    @property
    def valid_until_display(self) -> str:
        return date_format(self.valid_until, "j F Y") if self.valid_until else "—"


def card_verify_url(*, number: str) -> str:
    """The address the QR code holds (absolute: another phone opens it)."""
    return settings.SITE_URL + reverse("member_card_check", args=[number])


def card_valid_until(*, member: Member) -> datetime.date | None:
    if member.verified_at is None:
        return None
    verified = timezone.localdate(member.verified_at)
    try:
        return verified.replace(year=verified.year + VALID_YEARS)
    except ValueError:  # 29 February
        return verified.replace(year=verified.year + VALID_YEARS, day=28)


def card_state(*, member: Member | None, today: datetime.date | None = None) -> CardState:
    if member is None or member.anonymised_at is not None or not member.member_number:
        return CardState.UNKNOWN
    if member.status == Member.Status.SUSPENDED:
        return CardState.SUSPENDED
    if member.status != Member.Status.ACTIVE:
        return CardState.UNKNOWN
    valid_until = card_valid_until(member=member)
    if valid_until is not None and valid_until < (today or timezone.localdate()):
        return CardState.EXPIRED
    return CardState.VALID


def member_card(*, member: Member) -> MemberCard | None:
    """The member's card; None before the branch verified them and gave them a number."""
    if not member.member_number or member.verified_at is None or member.anonymised_at is not None:
        return None
    site_settings = member_number_settings()
    return MemberCard(
        full_name=member.full_name,
        number=member.member_number,
        pac=member.district.name if member.district_id else "—",
        level=_level(member.cadre_level),
        state=card_state(member=member),
        valid_until=card_valid_until(member=member),
        verify_url=card_verify_url(number=member.member_number),
        organisation=site_settings.organisation_name or "PC GP Ansor Kabupaten Batu Bara",
        has_photo=bool(member.photo),
    )


def _level(value: str) -> str:
    return str(Member.CadreLevel(value).label) if value in Member.CadreLevel.values else "—"


def member_photo(*, member: Member) -> bytes | None:
    """The member's photo (a clean JPEG, core.uploads.photo_clean), or None."""
    if not member.photo:
        return None
    try:
        with member.photo.open("rb") as handle:
            return handle.read()
    except OSError:  # the file went missing: the card is drawn without it
        return None


@dataclass(frozen=True)
class CardCheck:
    """What the public verification page says: nothing more than the state, name, PAC and level."""

    state: CardState
    number: str
    full_name: str = ""
    pac: str = ""
    level: str = ""


def card_check(*, number: str) -> CardCheck:
    member = (
        Member.objects.filter(member_number=number, anonymised_at__isnull=True).select_related("district").first()
        if number
        else None
    )
    state = card_state(member=member)
    if state == CardState.UNKNOWN:
        return CardCheck(state=state, number=number)
    return CardCheck(
        state=state,
        number=number,
        full_name=member.full_name,
        pac=member.district.name if member.district_id else "—",
        level=_level(member.cadre_level),
    )


# -- the QR code --------------------------------------------------------------------------------


def card_qr(card: MemberCard):
    return segno.make(card.verify_url, error="m")


def card_qr_png(card: MemberCard, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    card_qr(card).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# -- the printable card (PDF) -------------------------------------------------------------------

GREEN = (0x0B / 255, 0x6B / 255, 0x35 / 255)
RED = (0.70, 0.10, 0.10)


def _fit(canvas, text: str, font: str, size: float, width: float, smallest: float = 5.0) -> float:
    """The largest font size at most ``size`` at which ``text`` fits ``width``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def card_pdf(card: MemberCard, *, photo: bytes | None = None) -> bytes:
    """The card at ID-1 size (85.6 x 53.98 mm): page 1 the front, page 2 the back with the QR code."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    width, height = 85.6 * mm, 53.98 * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"{_('Member card')} {card.number}")
    canvas.setAuthor(card.organisation)

    # Front: the branch, the photo, and who the member is.
    canvas.setFillColorRGB(*GREEN)
    canvas.rect(0, height - 11 * mm, width, 11 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    size = _fit(canvas, card.organisation, "Helvetica-Bold", 8, width - 8 * mm)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(4 * mm, height - 5 * mm, card.organisation)
    canvas.setFont("Helvetica", 6.5)
    canvas.drawString(4 * mm, height - 9 * mm, _("Member card (KTA)"))
    photo_x, photo_y, photo_w, photo_h = 4 * mm, 6 * mm, 20 * mm, 26 * mm
    if photo:
        canvas.drawImage(
            ImageReader(io.BytesIO(photo)), photo_x, photo_y, photo_w, photo_h, preserveAspectRatio=True, anchor="c"
        )
    else:
        canvas.setStrokeColorRGB(*GREEN)
        canvas.rect(photo_x, photo_y, photo_w, photo_h, stroke=1, fill=0)
    canvas.setFillColorRGB(0, 0, 0)
    left, right = 27 * mm, width - 4 * mm
    size = _fit(canvas, card.full_name, "Helvetica-Bold", 9, right - left)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(left, height - 17 * mm, card.full_name)
    rows = (
        (_("Member number"), card.number),
        (_("PAC"), card.pac),
        (_("Cadre level"), card.level),
        (_("Status"), card.status_label),
        (_("Valid until"), card.valid_until_display),
    )
    y = height - 22.5 * mm
    for label, value in rows:
        canvas.setFont("Helvetica", 5.5)
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.drawString(left, y, label)
        canvas.setFillColorRGB(*(RED if card.state != CardState.VALID and label == _("Status") else (0, 0, 0)))
        canvas.setFont("Helvetica-Bold", _fit(canvas, value, "Helvetica-Bold", 7, right - left - 19 * mm))
        canvas.drawString(left + 19 * mm, y, value)
        y -= 5.2 * mm
    canvas.showPage()

    # Back: the QR code to the public check, and what it is for.
    qr = card_qr(card)
    side = 36 * mm
    modules = qr.symbol_size(border=0)[0]
    step = side / modules
    x0, y0 = 4 * mm, (height - side) / 2
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x0 - 2 * mm, y0 - 2 * mm, side + 4 * mm, side + 4 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(qr.matrix_iter(border=0)):
        for column, dark in enumerate(row):
            if dark:
                canvas.rect(x0 + column * step, y0 + side - (row_index + 1) * step, step, step, stroke=0, fill=1)
    text_left = x0 + side + 4 * mm
    text_width = width - text_left - 3 * mm
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawString(text_left, height - 12 * mm, _("Check this card"))
    canvas.setFont("Helvetica", 5.5)
    lines = [_("Scan the code, or open:")]
    url = card.verify_url.split("://", 1)[-1]
    while url:  # the address broken where it no longer fits
        cut = len(url)
        while stringWidth(url[:cut], "Helvetica", 5.5) > text_width:
            cut -= 1
        lines.append(url[:cut])
        url = url[cut:]
    lines += ["", card.number]
    y = height - 16 * mm
    for line in lines:
        canvas.drawString(text_left, y, line)
        y -= 3 * mm
    canvas.setFont("Helvetica", 5)
    canvas.drawString(text_left, 5 * mm, card.organisation[:60])
    canvas.showPage()
    canvas.save()
    return out.getvalue()
