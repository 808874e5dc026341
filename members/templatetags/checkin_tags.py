"""``{% enrollment_qr enrollment %}``: the participant's check-in QR code as inline SVG.

The code holds the staff check-in URL (SITE_URL + /admin/checkin/<token>/); only
coordinators can open it. Drawn on the server with segno (pure Python, no JS, no CDN).
"""

import functools

import segno
from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from members import accounts
from members.models import Enrollment

register = template.Library()


def checkin_url(enrollment: Enrollment) -> str:
    return settings.SITE_URL + reverse("members_checkin", args=[enrollment.token])


@register.simple_tag
def enrollment_qr(enrollment, scale: int = 4):
    """Empty unless the enrollment is confirmed (only confirmed participants are checked in)."""
    if enrollment is None or enrollment.status != Enrollment.Status.CONFIRMED:
        return ""
    svg = qr_svg(checkin_url(enrollment), scale=scale, title=_("Check-in code"))
    return format_html('<div class="checkin-qr-wrap">{}</div>', mark_safe(svg))  # noqa: S308 - segno's own SVG


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str, *, scale: int, title: str) -> str:
    """Drawn once per process: a code never changes, and drawing it was half of the dashboard's time.

    Kept in the process's memory only (the URL holds the enrollment's check-in token).
    """
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=scale, title=title, svgclass="checkin-qr", lineclass=None)


@register.filter
def phone(value: str) -> str:
    """A stored number as the branch writes it (0812-6123-4501), for the sheet and the check-in page."""
    return accounts.phone_display(value=value)


@register.filter
def whatsapp_url(value: str) -> str:
    return accounts.phone_whatsapp_url(value=value)
