"""Template tags of the programs app, for its own templates and for the home page.

``{% load programs_tags %}{% upcoming_trainings 4 %}{% partners %}``
"""

from django import template
from django.utils import timezone

from programs import models, schedule

register = template.Library()


@register.inclusion_tag("programs/tags/upcoming_trainings.html", takes_context=True, name="upcoming_trainings")
def upcoming_trainings_tag(context, limit=4):
    """The next ``limit`` trainings, soonest first, with their enrollment state (two queries)."""
    return {
        "request": context.get("request"),
        "trainings": models.upcoming_trainings(limit=limit),
        "now": timezone.now(),
    }


@register.inclusion_tag("programs/tags/partners.html", takes_context=True, name="partners")
def partners_tag(context):
    """Every partner, logo (or name) and link."""
    return {"request": context.get("request"), "partners": list(models.with_logos(models.Partner.objects.all()))}


@register.filter
def wib(value):
    """``Sabtu, 12 Desember 2026, 09.00 WIB``."""
    return schedule.format_wib(value) if value else ""
