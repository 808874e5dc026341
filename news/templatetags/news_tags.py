from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def latest_news(limit=3, featured=None):
    """The newest live articles, leaving out ``featured`` (shown on its own)."""
    return selectors.latest_articles(limit=limit, exclude_pk=featured.pk if featured else None)
