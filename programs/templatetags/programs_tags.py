"""Template tags of the programs app, for its own templates and for the home page.

``{% load programs_tags %}{% upcoming_trainings 4 %}{% partners %}``, and on a training page
``{% training_page_panels page %}``: the seam through which the apps above show something there.
"""

from django import template
from django.utils import timezone

from core import pagecache
from programs import models, panels, schedule

register = template.Library()


@register.inclusion_tag("programs/tags/upcoming_trainings.html", takes_context=True, name="upcoming_trainings")
def upcoming_trainings_tag(context, limit=4):
    """The next ``limit`` trainings, soonest first, with their enrollment state (two queries)."""
    now = timezone.now()
    trainings = models.upcoming_trainings(now=now, limit=limit)
    models.expire_with(trainings, now=now)  # each card shows its training's enrollment state
    return {"request": context.get("request"), "trainings": trainings, "now": now}


@register.inclusion_tag("programs/tags/partners.html", takes_context=True, name="partners")
def partners_tag(context):
    """Every partner, logo (or name) and link."""
    return {"request": context.get("request"), "partners": list(models.with_logos(models.Partner.objects.all()))}


@register.filter
def wib(value):
    """``Sabtu, 12 Desember 2026, 09.00 WIB``."""
    return schedule.format_wib(value) if value else ""


@register.simple_tag(takes_context=True)
def training_page_panels(context, training):
    """What the apps above programs show on a training page, below its facts (programs/panels.py)."""
    request = context.get("request")
    if request is None:
        return panels.training_page_panels(request, training)
    return pagecache.per_visitor(
        request, panels.FRAGMENT, draw=lambda: panels.training_page_panels(request, training), training=training.pk
    )
